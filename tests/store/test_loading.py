"""Loading accounts files into the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.intake import AccountRecord
from domain.stages import Stage
from store import repository
from store.views import UpsertResult
from tests.support.accounts import RECENTLY_DUE, account_record

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


async def load(
    sessions: async_sessionmaker[AsyncSession], records: list[AccountRecord], now: datetime = NOW
) -> UpsertResult:
    async with sessions() as session, session.begin():
        return await repository.upsert_accounts(session, records, now=now)


async def test_loading_a_file_twice_inserts_then_leaves_it_unchanged(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    records = [account_record("A1"), account_record("A2", balance_cents=1_999)]

    assert await load(sessions, records) == UpsertResult(inserted=2, updated=0, unchanged=0)
    assert await load(sessions, records, LATER) == UpsertResult(inserted=0, updated=0, unchanged=2)

    async with sessions() as session:
        account = await repository.get_account(session, "A2")
        contact_points = await repository.contact_points_for(session, "A2")
        trail = await repository.audit_trail(session, "A2")
    assert account is not None
    assert (account.balance_cents, account.original_balance_cents, account.stage) == (1_999, 1_999, None)
    assert account.created_at == account.updated_at == NOW
    assert [(point.kind, point.value, point.timezone) for point in contact_points] == [
        ("phone", "+12125550100", "America/New_York"),
        ("email", "pat@example.com", None),
        ("address", "1 Main St, New York, NY 10001", None),
    ]
    assert not any(point.consent_autodialer or point.consent_sms or point.opted_out for point in contact_points)
    assert [(entry.actor, entry.action, entry.at) for entry in trail] == [("ops", "account.loaded", NOW)]


async def test_reloading_a_changed_file_updates_accounts_without_duplicating_contact_points(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load(sessions, [account_record("A1"), account_record("A2")])
    moved = replace(account_record("A1"), street="9 Elm St", email="pat@new.example.com", segment="medical")

    result = await load(sessions, [moved, account_record("A2"), account_record("A3")], LATER)

    assert result == UpsertResult(inserted=1, updated=1, unchanged=1)
    async with sessions() as session:
        account = await repository.get_account(session, "A1")
        contact_points = await repository.contact_points_for(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert account is not None
    assert (account.street, account.segment, account.updated_at) == ("9 Elm St", "medical", LATER)
    assert sorted((point.kind, point.value) for point in contact_points) == [
        ("address", "1 Main St, New York, NY 10001"),
        ("address", "9 Elm St, New York, NY 10001"),
        ("email", "pat@example.com"),
        ("email", "pat@new.example.com"),
        ("phone", "+12125550100"),
    ]
    assert trail[-1].action == "account.updated"
    assert trail[-1].detail == {"changed": ["street", "segment"], "kept": [], "contact_points_added": 2}


async def test_an_account_without_a_stage_takes_the_new_balance_and_due_date(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load(sessions, [account_record("A1", balance_cents=50_000)])

    result = await load(sessions, [account_record("A1", balance_cents=42_000, due_date=date(2026, 3, 1))], LATER)

    assert result == UpsertResult(inserted=0, updated=1, unchanged=0)
    async with sessions() as session:
        account = await repository.get_account(session, "A1")
    assert account is not None
    assert (account.balance_cents, account.original_balance_cents, account.due_date) == (
        42_000, 42_000, date(2026, 3, 1),
    )  # fmt: skip


async def test_an_account_with_a_stage_keeps_its_balance_when_reloaded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await load(sessions, [account_record("A1", balance_cents=50_000)])
    async with sessions() as session, session.begin():
        await repository.set_stage(
            session, account_id="A1", stage=Stage.CONTACTING, idempotency_key="stage:A1:1", detail={}, now=NOW
        )
        await repository.record_payment(
            session, account_id="A1", reference="P1", amount_cents=10_000,
            received_on=date(2026, 2, 1), source="debtor", now=NOW,
        )  # fmt: skip

    same_file = await load(sessions, [account_record("A1", balance_cents=50_000)], LATER)
    new_balance = await load(sessions, [account_record("A1", balance_cents=99_000, due_date=date(2026, 5, 1))], LATER)

    assert same_file == UpsertResult(inserted=0, updated=0, unchanged=1)
    assert new_balance == UpsertResult(inserted=0, updated=1, unchanged=0)
    async with sessions() as session:
        account = await repository.get_account(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert account is not None
    assert (account.balance_cents, account.original_balance_cents, account.due_date) == (
        40_000, 50_000, RECENTLY_DUE,
    )  # fmt: skip
    assert trail[-1].detail == {
        "changed": [], "kept": ["original_balance_cents", "due_date"], "contact_points_added": 0,
    }  # fmt: skip


async def test_loading_many_accounts_looks_them_up_in_chunks_not_one_by_one(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    records = [account_record(f"A{n:05}", balance_cents=1_000 + n) for n in range(1_200)]
    selects: list[str] = []

    def count_selects(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count_selects)
    try:
        first = await load(sessions, records)
        second = await load(sessions, [replace(r, debtor_name="Pat Renamed") for r in records], LATER)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count_selects)

    assert first == UpsertResult(inserted=1_200, updated=0, unchanged=0)
    assert second == UpsertResult(inserted=0, updated=1_200, unchanged=0)
    assert len(selects) <= 12
    async with sessions() as session:
        assert await repository.account_ids_by_stage(session) == {None: 1_200}


async def test_consent_columns_set_the_phones_consent_flags(sessions: async_sessionmaker[AsyncSession]) -> None:
    record = replace(account_record("A1"), sms_consent=True)
    await load(sessions, [record], NOW)
    async with sessions() as session:
        points = {p.kind: p for p in await repository.contact_points_for(session, "A1")}
    assert (points["phone"].consent_sms, points["phone"].consent_autodialer) == (True, False)
    assert not points["email"].consent_sms
