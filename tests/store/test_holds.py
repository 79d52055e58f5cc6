"""Holds, claims, write-offs and adjustments: each recorded once, and no representative in the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import repository
from store.db import alembic_config, make_engine, migrate
from store.errors import StoreError, UnknownAccount, UnknownHold
from store.views import AccountView, AuditEntryView, ClaimView, HoldView
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=5)
BANKRUPTCY = {"chapter": "7", "case_number": "26-10001", "court": "S.D.N.Y.", "filed_on": "2026-02-20"}
PROBATE = {"representative": "Robin Executor", "representative_phone": "+12125550199", "claims_deadline": "2026-06-30"}


async def open_(
    sessions: Sessions,
    reference: str = "BK-1",
    kind: str = "bankruptcy",
    detail: dict[str, str] | None = None,
    account_id: str = "A1",
    now: datetime = NOW,
) -> HoldView:
    async with sessions() as session, session.begin():
        return await repository.open_hold(
            session, account_id=account_id, reference=reference, kind=kind,
            detail=BANKRUPTCY if detail is None else detail, now=now,
        )  # fmt: skip


async def update(sessions: Sessions, reference: str, detail: dict[str, str], now: datetime = LATER) -> HoldView:
    async with sessions() as session, session.begin():
        return await repository.update_hold(session, account_id="A1", reference=reference, detail=detail, now=now)


async def close(sessions: Sessions, reference: str, outcome: str, now: datetime = LATER) -> HoldView:
    async with sessions() as session, session.begin():
        return await repository.close_hold(session, account_id="A1", reference=reference, outcome=outcome, now=now)


async def file(
    sessions: Sessions, reference: str, kind: str, amount_cents: int, deadline: date, now: datetime = LATER
) -> ClaimView:
    async with sessions() as session, session.begin():
        return await repository.file_claim(
            session, account_id="A1", hold_reference=reference, kind=kind, amount_cents=amount_cents,
            deadline=deadline, now=now,
        )  # fmt: skip


async def write_off(sessions: Sessions, account_id: str = "A1", reason: str = "bankruptcy discharge") -> int:
    async with sessions() as session, session.begin():
        return await repository.write_off(session, account_id=account_id, reason=reason, now=LATER)


async def adjust(sessions: Sessions, reference: str, amount_cents: int, account_id: str = "A1") -> int:
    async with sessions() as session, session.begin():
        return await repository.adjust_balance(
            session, account_id=account_id, reference=reference, amount_cents=amount_cents,
            reason="dispute upheld", now=LATER,
        )  # fmt: skip


async def holds(sessions: Sessions) -> list[HoldView]:
    async with sessions() as session:
        return await repository.holds_for(session, "A1")


async def account(sessions: Sessions) -> AccountView:
    async with sessions() as session:
        found = await repository.get_account(session, "A1")
    assert found is not None
    return found


async def trail(sessions: Sessions, prefix: str = "") -> list[AuditEntryView]:
    async with sessions() as session:
        return [e for e in await repository.audit_trail(session, "A1") if e.action.startswith(prefix)]


async def test_a_hold_opens_once_whatever_the_retries(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    first = await open_(sessions)
    again = await open_(sessions, kind="dispute", detail={"reason": "not mine"}, now=LATER)

    assert again == first
    assert await holds(sessions) == [first]
    assert (first.reference, first.kind, first.detail, first.placed_at) == ("BK-1", "bankruptcy", BANKRUPTCY, NOW)
    assert (first.released_at, first.outcome) == (None, None)
    assert [(e.action, e.idempotency_key, e.detail) for e in await trail(sessions, "hold.")] == [
        (
            "hold.placed",
            "hold:A1:BK-1",
            {"reference": "BK-1", "kind": "bankruptcy", "keys": sorted(BANKRUPTCY), "detail": BANKRUPTCY},
        )
    ]


async def test_concurrent_openings_of_one_reference_open_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    results = await asyncio.gather(*(open_(sessions, detail={"case_number": f"26-{n}"}) for n in range(3)))

    assert len({r.hold_id for r in results}) == 1
    assert len(await holds(sessions)) == 1
    assert len(await trail(sessions, "hold.placed")) == 1


async def test_probate_updates_merge_once_and_never_audit_the_representative(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    opened = await open_(sessions, "EST-1", "deceased", {"date_of_death": "2026-01-15", "executor": "Robin Executor"})

    updated = await update(sessions, "EST-1", PROBATE)
    again = await update(sessions, "EST-1", PROBATE, now=LATER + timedelta(hours=1))
    moved = await update(sessions, "EST-1", {"claims_deadline": "2026-07-31", "date_of_death": "2026-01-15"})

    assert again == updated
    assert updated.detail == {"date_of_death": "2026-01-15", "executor": "Robin Executor", **PROBATE}
    assert moved.detail == {**updated.detail, "claims_deadline": "2026-07-31"}
    assert (moved.hold_id, moved.placed_at) == (opened.hold_id, NOW)
    assert await holds(sessions) == [moved]
    entries = await trail(sessions, "hold.")
    assert [(e.action, e.idempotency_key) for e in entries] == [
        ("hold.placed", "hold:A1:EST-1"),
        ("hold.updated", "hold:A1:EST-1:updated:1"),
        ("hold.updated", "hold:A1:EST-1:updated:2"),
    ]
    assert entries[0].detail["keys"] == ["date_of_death", "executor"]
    assert entries[1].detail == {
        "reference": "EST-1",
        "kind": "deceased",
        "changed": ["claims_deadline", "representative", "representative_phone"],
        "detail": {"claims_deadline": "2026-06-30"},
    }
    assert entries[2].detail["changed"] == ["claims_deadline"]
    logged = repr([e.detail for e in await trail(sessions)])
    assert not any(secret in logged for secret in ("Robin", "Executor", "2125550199"))
    assert "Robin" not in repr(moved)


async def test_a_hold_is_released_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await open_(sessions)

    closed = await close(sessions, "BK-1", "discharge")
    again = await close(sessions, "BK-1", "resume", now=LATER + timedelta(days=1))

    assert again == closed
    assert (closed.released_at, closed.outcome) == (LATER, "discharge")
    assert await holds(sessions) == [closed]
    released = await trail(sessions, "hold.released")
    assert [(e.idempotency_key, e.detail) for e in released] == [
        ("hold:A1:BK-1:released", {"reference": "BK-1", "kind": "bankruptcy", "outcome": "discharge"})
    ]


async def test_holds_come_in_the_order_they_were_placed(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await open_(sessions, "D-2", "dispute", {"reason": "amount wrong"}, now=LATER)
    await open_(sessions, "BK-1", now=NOW)
    await open_(sessions, "L-1", "legal", {"court": "Kings County"}, now=LATER)

    assert [h.reference for h in await holds(sessions)] == ["BK-1", "D-2", "L-1"]


async def test_claims_are_filed_once_per_kind_with_their_deadlines(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await open_(sessions)
    await open_(sessions, "EST-1", "deceased", {"date_of_death": "2026-01-15"})

    proof = await file(sessions, "BK-1", "proof_of_claim", 50_000, date(2026, 5, 1))
    estate = await file(sessions, "EST-1", "estate_claim", 50_000, date(2026, 6, 30))
    again = await file(sessions, "BK-1", "proof_of_claim", 1, date(2027, 1, 1), now=LATER + timedelta(days=1))
    twice = await asyncio.gather(*(file(sessions, "EST-1", "proof_of_claim", 700, date(2026, 7, 1)) for _ in range(3)))

    assert again == proof
    assert len({claim.claim_id for claim in twice}) == 1
    async with sessions() as session:
        claims = await repository.claims_for(session, "A1")
    assert [(c.hold_reference, c.kind, c.amount_cents, c.deadline, c.filed_at) for c in claims] == [
        ("BK-1", "proof_of_claim", 50_000, date(2026, 5, 1), LATER),
        ("EST-1", "estate_claim", 50_000, date(2026, 6, 30), LATER),
        ("EST-1", "proof_of_claim", 700, date(2026, 7, 1), LATER),
    ]
    assert claims[:2] == [proof, estate]
    filed = await trail(sessions, "claim.filed")
    assert [(e.idempotency_key, e.detail) for e in filed[:1]] == [
        (
            "claim:A1:BK-1:proof_of_claim",
            {"hold_reference": "BK-1", "kind": "proof_of_claim", "amount_cents": 50_000, "deadline": "2026-05-01"},
        )
    ]
    assert len(filed) == 3


@pytest.mark.parametrize(
    ("kind", "amount_cents", "message"),
    [("proof_of_claim", 0, "must be positive"), ("proof_of_claim", -5, "must be positive"), ("lien", 10, "not 'lien'")],
)
async def test_impossible_claims_are_refused(sessions: Sessions, kind: str, amount_cents: int, message: str) -> None:
    await add_account(sessions, "A1")
    await open_(sessions)

    with pytest.raises(ValueError, match=message):
        await file(sessions, "BK-1", kind, amount_cents, date(2026, 5, 1))

    async with sessions() as session:
        assert await repository.claims_for(session, "A1") == []


async def test_the_balance_is_written_off_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)
    async with sessions() as session, session.begin():
        await repository.record_payment(
            session, account_id="A1", reference="P1", amount_cents=10_000, received_on=date(2026, 3, 2),
            source="debtor", now=NOW,
        )  # fmt: skip

    assert sorted(await asyncio.gather(write_off(sessions), write_off(sessions))) == [0, 40_000]
    assert await write_off(sessions, reason="again") == 0

    stored = await account(sessions)
    assert (stored.balance_cents, stored.written_off_cents, stored.forgiven_cents) == (0, 40_000, 0)
    assert [(e.idempotency_key, e.detail) for e in await trail(sessions, "account.written_off")] == [
        (
            "writeoff:A1",
            {
                "amount_cents": 40_000,
                "reason": "bankruptcy discharge",
                "balance_before_cents": 40_000,
                "balance_after_cents": 0,
            },
        )
    ]


async def test_adjustments_apply_once_per_reference_and_never_below_zero(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)

    assert await adjust(sessions, "D-1", 20_000) == 30_000
    assert await adjust(sessions, "D-1", 20_000) == 30_000
    assert await adjust(sessions, "D-2", 45_000) == 0
    assert await adjust(sessions, "D-3", 1_000) == 0

    stored = await account(sessions)
    assert (stored.balance_cents, stored.written_off_cents) == (0, 0)
    entries = await trail(sessions, "balance.adjusted")
    assert [(e.idempotency_key, e.detail["amount_cents"], e.detail["balance_after_cents"]) for e in entries] == [
        ("adjust:A1:D-1", 20_000, 30_000),
        ("adjust:A1:D-2", 30_000, 0),
        ("adjust:A1:D-3", 0, 0),
    ]
    assert entries[1].detail == {
        "reference": "D-2",
        "amount_cents": 30_000,
        "requested_cents": 45_000,
        "reason": "dispute upheld",
        "balance_after_cents": 0,
    }
    for amount_cents in (0, -1):
        with pytest.raises(ValueError, match="must be positive"):
            await adjust(sessions, "D-4", amount_cents)


async def test_unknown_holds_and_accounts_are_refused_in_one_line(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await open_(sessions)

    refusals: list[StoreError] = []
    with pytest.raises(UnknownAccount, match="^unknown account A9$") as err:
        await open_(sessions, account_id="A9")
    refusals.append(err.value)
    with pytest.raises(UnknownHold, match="^unknown hold H9 of account A1$") as err:
        await update(sessions, "H9", {"reason": "x"})
    refusals.append(err.value)
    with pytest.raises(UnknownHold, match="^unknown hold H9 of account A1$") as err:
        await close(sessions, "H9", "resume")
    refusals.append(err.value)
    with pytest.raises(UnknownHold, match="^unknown hold H9 of account A1$") as err:
        await file(sessions, "H9", "proof_of_claim", 100, date(2026, 5, 1))
    refusals.append(err.value)
    with pytest.raises(UnknownAccount, match="^unknown account A9$") as err:
        await write_off(sessions, "A9")
    refusals.append(err.value)
    with pytest.raises(UnknownAccount, match="^unknown account A9$") as err:
        await adjust(sessions, "D-1", 100, account_id="A9")
    refusals.append(err.value)

    assert all("\n" not in str(refusal) for refusal in refusals)
    assert len(await holds(sessions)) == 1


@pytest.mark.parametrize(
    ("reference", "kind", "detail", "message"),
    [
        ("BK-1", "holiday", {}, "not 'holiday'"),
        (" ", "dispute", {}, "1 to 128 printable"),
        ("X" * 129, "dispute", {}, "1 to 128 printable"),
        ("BK\n1", "dispute", {}, "1 to 128 printable"),
        ("BK-1", "dispute", {"cents": 5}, "maps names to text"),
    ],
)
async def test_impossible_holds_are_refused(
    sessions: Sessions, reference: str, kind: str, detail: dict[str, str], message: str
) -> None:
    await add_account(sessions, "A1")

    with pytest.raises(ValueError, match=message):
        await open_(sessions, reference, kind, detail)

    assert await holds(sessions) == []


async def test_long_references_keep_their_audit_keys_within_the_column(sessions: Sessions) -> None:
    account_id = "A" * 64
    await add_account(sessions, account_id)
    reference = "R" * 128

    async with sessions() as session, session.begin():
        await repository.open_hold(
            session, account_id=account_id, reference=reference, kind="legal", detail={}, now=NOW
        )
        await repository.update_hold(session, account_id=account_id, reference=reference, detail={"a": "b"}, now=NOW)
        await repository.close_hold(session, account_id=account_id, reference=reference, outcome="close", now=NOW)
        await repository.file_claim(
            session, account_id=account_id, hold_reference=reference, kind="estate_claim", amount_cents=1,
            deadline=date(2026, 5, 1), now=NOW,
        )  # fmt: skip
        await repository.adjust_balance(
            session, account_id=account_id, reference=reference, amount_cents=1, reason="r", now=NOW
        )
        entries = await repository.audit_trail(session, account_id)

    keys = [e.idempotency_key or "" for e in entries if not e.action.startswith("account.")]
    assert len(keys) == len(set(keys)) == 5
    assert all(len(key) <= 200 for key in keys)


async def test_the_holds_migration_downgrades_and_upgrades_again(blank_database_url: str) -> None:
    await migrate(blank_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(blank_database_url), "0004_placements")
    engine = make_engine(blank_database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            columns = await connection.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("accounts")})
        assert not {"holds", "claims"} & tables
        assert "written_off_cents" not in columns
        await migrate(blank_database_url)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            columns = await connection.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("accounts")})
    finally:
        await engine.dispose()
    assert {"holds", "claims"} <= tables
    assert "written_off_cents" in columns
