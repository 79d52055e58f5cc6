"""The stage mirror, the audit trail and the questions asked of the portfolio."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.stages import Stage
from store import repository
from tests.support.accounts import add_account

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


async def change_stage(
    sessions: async_sessionmaker[AsyncSession], account_id: str, stage: Stage, key: str, now: datetime = NOW
) -> bool:
    async with sessions() as session, session.begin():
        return await repository.set_stage(
            session, account_id=account_id, stage=stage, idempotency_key=key, detail={"reason": "test"}, now=now
        )


async def test_a_stage_change_is_mirrored_and_audited_once_per_key(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1")

    assert await change_stage(sessions, "A1", Stage.CONTACTING, "stage:A1:1")
    assert not await change_stage(sessions, "A1", Stage.CONTACTING, "stage:A1:1", NOW + timedelta(hours=1))
    assert await change_stage(sessions, "A1", Stage.NEGOTIATING, "stage:A1:2", NOW + timedelta(hours=2))
    assert not await change_stage(sessions, "A1", Stage.PAID, "stage:A1:2", NOW + timedelta(hours=3))

    async with sessions() as session:
        account = await repository.get_account(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert account is not None
    assert (account.stage, account.stage_changed_at) == (Stage.NEGOTIATING, NOW + timedelta(hours=2))
    assert [(entry.action, entry.detail) for entry in trail[1:]] == [
        ("stage.changed", {"reason": "test", "from": None, "to": "contacting"}),
        ("stage.changed", {"reason": "test", "from": "contacting", "to": "negotiating"}),
    ]


async def test_concurrent_stage_changes_with_the_same_key_apply_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1")

    results = await asyncio.gather(*(change_stage(sessions, "A1", Stage.CONTACTING, "stage:A1:1") for _ in range(2)))

    assert sorted(results) == [False, True]


async def test_audit_entries_with_a_key_are_appended_once_and_without_a_key_always(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1")

    async def audit(key: str | None) -> bool:
        async with sessions() as session, session.begin():
            return await repository.append_audit(
                session, account_id="A1", action="hold.placed", detail={"kind": "dispute"},
                actor="workflow", now=NOW, idempotency_key=key,
            )  # fmt: skip

    assert [await audit("hold:A1:H1:placed"), await audit("hold:A1:H1:placed")] == [True, False]
    assert sorted(await asyncio.gather(audit("hold:A1:H2:placed"), audit("hold:A1:H2:placed"))) == [False, True]
    assert [await audit(None), await audit(None)] == [True, True]
    async with sessions() as session:
        trail = await repository.audit_trail(session, "A1")
    assert [entry.action for entry in trail] == ["account.loaded"] + ["hold.placed"] * 4


async def test_times_are_stored_as_utc_and_naive_times_are_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1")
    eastern = datetime(2026, 2, 1, 7, 0, tzinfo=timezone(timedelta(hours=-5)))

    await change_stage(sessions, "A1", Stage.CONTACTING, "stage:A1:1", eastern)
    with pytest.raises(StatementError, match="naive datetime"):
        await change_stage(sessions, "A1", Stage.NEGOTIATING, "stage:A1:2", datetime(2026, 2, 1, 12, 0))

    async with sessions() as session:
        account = await repository.get_account(session, "A1")
    assert account is not None and account.stage_changed_at is not None
    assert account.stage_changed_at == NOW
    assert account.stage_changed_at.tzinfo == UTC


async def test_past_due_accounts_exclude_closed_paid_off_and_not_yet_due_ones(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    as_of = date(2026, 2, 1)
    await add_account(sessions, "DUE-NEW", due_date=date(2026, 1, 15))
    await add_account(sessions, "DUE-WORKING", due_date=date(2026, 1, 15))
    await add_account(sessions, "DUE-TODAY", due_date=as_of)
    await add_account(sessions, "SETTLED", due_date=date(2026, 1, 15))
    await add_account(sessions, "PAID-OFF", due_date=date(2026, 1, 15), balance_cents=1_000)
    await change_stage(sessions, "DUE-WORKING", Stage.NEGOTIATING, "stage:1")
    await change_stage(sessions, "SETTLED", Stage.SETTLED, "stage:2")
    async with sessions() as session, session.begin():
        await repository.record_payment(
            session, account_id="PAID-OFF", reference="P1", amount_cents=1_000,
            received_on=as_of, source="debtor", now=NOW,
        )  # fmt: skip

    async with sessions() as session:
        past_due = await repository.past_due_account_ids(session, as_of=as_of)
        by_stage = await repository.account_ids_by_stage(session)

    assert past_due == ["DUE-NEW", "DUE-WORKING"]
    assert by_stage == {None: 3, "negotiating": 1, "settled": 1}
