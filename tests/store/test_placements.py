"""Agency placements: placed once, recalled once, exported once, commission once per payment."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import exports, repository
from store.errors import StoreError, UnknownAccount, UnknownPayment, UnknownPlacement
from store.placements import placement_batch
from store.views import AuditEntryView, PlacementExportRow, PlacementView
from tests.support.accounts import RECENTLY_DUE, add_account

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)


async def place(
    sessions: Sessions,
    placement_no: int = 1,
    agency_id: str = "acme",
    account_id: str = "A1",
    balance_cents: int = 50_000,
    commission_bps: int = 2_500,
    now: datetime = NOW,
) -> PlacementView:
    async with sessions() as session, session.begin():
        return await repository.place_account(
            session, account_id=account_id, placement_no=placement_no, agency_id=agency_id,
            balance_cents=balance_cents, commission_bps=commission_bps, now=now,
        )  # fmt: skip


async def recall(
    sessions: Sessions, placement_no: int = 1, reason: str = "paid direct", now: datetime = LATER
) -> PlacementView:
    async with sessions() as session, session.begin():
        return await repository.recall_placement(
            session, account_id="A1", placement_no=placement_no, reason=reason, now=now
        )


async def export(sessions: Sessions, agency_id: str = "acme", now: datetime = LATER) -> list[PlacementExportRow]:
    async with sessions() as session, session.begin():
        number = await exports.open_batch(session, kind="placements", scope=agency_id, created_by="test", now=now)
        rows = await repository.export_placements(session, agency_id=agency_id, now=now, batch_no=number)
        await exports.set_count(session, number, len(rows))
        return rows


async def pay(sessions: Sessions, reference: str, amount_cents: int) -> None:
    async with sessions() as session, session.begin():
        await repository.record_payment(
            session, account_id="A1", reference=reference, amount_cents=amount_cents, received_on=date(2026, 3, 5),
            source="agency", now=LATER,
        )  # fmt: skip


async def accrue(sessions: Sessions, reference: str, account_id: str = "A1") -> int:
    async with sessions() as session, session.begin():
        return await repository.accrue_commission(
            session, account_id=account_id, payment_reference=reference, now=LATER
        )


async def placements(sessions: Sessions, account_id: str = "A1") -> list[PlacementView]:
    async with sessions() as session:
        return await repository.placements_for(session, account_id)


async def trail(sessions: Sessions, prefix: str, account_id: str = "A1") -> list[AuditEntryView]:
    async with sessions() as session:
        return [e for e in await repository.audit_trail(session, account_id) if e.action.startswith(prefix)]


async def test_an_account_is_placed_once_whatever_the_retries(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    first = await place(sessions)
    again = await place(sessions, agency_id="other", balance_cents=1, commission_bps=0, now=LATER)

    assert again == first
    assert await placements(sessions) == [first]
    assert (first.placement_no, first.agency_id, first.placed_at, first.balance_placed_cents) == (
        1,
        "acme",
        NOW,
        50_000,
    )
    assert (first.commission_bps, first.status, first.collected_cents, first.commission_cents) == (
        2_500,
        "placed",
        0,
        0,
    )
    assert (first.recalled_at, first.recall_reason, first.exported_at) == (None, None, None)
    made = await trail(sessions, "placement.")
    assert [(e.action, e.idempotency_key, e.detail) for e in made] == [
        (
            "placement.made",
            "placement:A1:1",
            {"placement_no": 1, "agency_id": "acme", "balance_cents": 50_000, "commission_bps": 2_500},
        )
    ]
    async with sessions() as session:
        assert await repository.active_placement(session, "A1") == first
        assert await repository.placement_counts(session) == {"acme": 1}


async def test_concurrent_placements_of_one_number_place_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    results = await asyncio.gather(*(place(sessions, agency_id=f"agency-{n}") for n in range(3)))

    assert len({r.placement_id for r in results}) == 1
    assert len(await placements(sessions)) == 1
    assert len(await trail(sessions, "placement.made")) == 1


async def test_a_recall_is_recorded_once_and_named_in_the_audit_log(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await place(sessions)

    recalled = await recall(sessions)
    again = await recall(sessions, reason="changed my mind", now=LATER + timedelta(hours=1))

    assert again == recalled
    assert (recalled.status, recalled.recalled_at, recalled.recall_reason) == ("recalled", LATER, "paid direct")
    assert await placements(sessions) == [recalled]
    entries = await trail(sessions, "placement.recalled")
    assert [(e.idempotency_key, e.detail["agency_id"], e.detail["reason"]) for e in entries] == [
        ("placement:A1:1:recalled", "acme", "paid direct")
    ]
    async with sessions() as session:
        assert await repository.active_placement(session, "A1") is None
        assert await repository.placement_counts(session) == {"acme": 1}


async def test_the_active_placement_is_the_highest_numbered_still_placed(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "A2")
    await place(sessions, 1, "acme")
    await recall(sessions, 1)
    second = await place(sessions, 2, "bolt", now=LATER)
    await place(sessions, 1, "acme", account_id="A2")

    async with sessions() as session:
        assert await repository.active_placement(session, "A1") == second
        assert await repository.placement_counts(session) == {"acme": 2, "bolt": 1}
    assert [(p.placement_no, p.status) for p in await placements(sessions)] == [(1, "recalled"), (2, "placed")]


async def test_an_export_hands_each_placement_out_once(sessions: Sessions) -> None:
    for account_id in ("A1", "A2", "A3", "A4"):
        await add_account(sessions, account_id)
    await place(sessions, account_id="A1", balance_cents=40_000)
    await place(sessions, account_id="A2")
    await place(sessions, account_id="A3", agency_id="bolt")
    await place(sessions, account_id="A4")
    async with sessions() as session, session.begin():
        await repository.recall_placement(session, account_id="A4", placement_no=1, reason="dispute", now=NOW)

    first = await export(sessions)
    second = await export(sessions, now=LATER + timedelta(hours=1))

    assert [row.account_id for row in first] == ["A1", "A2"]
    assert second == []
    assert first[0] == PlacementExportRow(
        account_id="A1", placement_no=1, agency_id="acme", creditor="Northwind Bank", debtor_name="Pat Example",
        street="1 Main St", city="New York", state="NY", postal_code="10001", phone="+12125550100",
        email="pat@example.com", balance_placed_cents=40_000, currency="USD", due_date=RECENTLY_DUE,
        placed_at=NOW, commission_bps=2_500,
    )  # fmt: skip
    assert [p.exported_at for p in await placements(sessions, "A1")] == [LATER]
    assert [p.exported_at for p in await placements(sessions, "A3")] == [None]

    await add_account(sessions, "A5")
    await place(sessions, account_id="A5", now=LATER)
    assert [row.account_id for row in await export(sessions, now=LATER + timedelta(days=1))] == ["A5"]
    assert [row.account_id for row in await export(sessions, "bolt")] == ["A3"]
    async with sessions() as session:
        batches = await exports.list_batches(session)
        assert [(b.kind, b.scope, b.row_count) for b in batches] == [
            ("placements", "acme", 2), ("placements", "acme", 1), ("placements", "bolt", 1),
        ], "no empty batch"  # fmt: skip
        assert await placement_batch(session, batches[0].number) == first, "written again: the same rows, in order"


async def test_an_export_leaves_out_bad_and_opted_out_contact_points(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await place(sessions)
    async with sessions() as session, session.begin():
        points = {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, "A1")}
        await repository.set_point_flags(session, point_id=points["phone"], bad=True, now=NOW)
        await repository.set_point_flags(session, point_id=points["email"], opted_out=True, now=NOW)

    [row] = await export(sessions)

    assert (row.phone, row.email, row.street) == (None, None, "1 Main St")


async def test_concurrent_exports_never_hand_out_one_placement_twice(sessions: Sessions) -> None:
    account_ids = [f"A{n:02d}" for n in range(30)]
    for account_id in account_ids:
        await add_account(sessions, account_id)
    for account_id in account_ids:
        await place(sessions, account_id=account_id)

    batches = await asyncio.gather(*(export(sessions) for _ in range(4)))

    handed_out = [row.account_id for batch in batches for row in batch]
    assert sorted(handed_out) == account_ids
    assert await export(sessions) == []


async def test_commission_accrues_once_per_payment_rounded_half_up(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await place(sessions, commission_bps=2_500)
    await pay(sessions, "P1", 10)  # 2.5 cents: 3
    await pay(sessions, "P2", 1_002)  # 250.5 cents: 251
    await pay(sessions, "P3", 1_001)  # 250.25 cents: 250

    assert await accrue(sessions, "P1") == 3
    assert await accrue(sessions, "P1") == 3
    assert await asyncio.gather(accrue(sessions, "P2"), accrue(sessions, "P2")) == [251, 251]
    assert await accrue(sessions, "P3") == 250

    [placement] = await placements(sessions)
    assert (placement.collected_cents, placement.commission_cents) == (2_013, 504)
    async with sessions() as session:
        payments = await repository.payments_for(session, "A1")
    assert [(p.reference, p.placement_no, p.commission_cents) for p in payments] == [
        ("P1", 1, 3),
        ("P2", 1, 251),
        ("P3", 1, 250),
    ]
    entries = await trail(sessions, "commission.accrued")
    assert [(e.idempotency_key, e.detail["commission_cents"], e.detail["agency_id"]) for e in entries] == [
        ("commission:P1", 3, "acme"),
        ("commission:P2", 251, "acme"),
        ("commission:P3", 250, "acme"),
    ]


async def test_no_commission_without_an_active_placement(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await pay(sessions, "P0", 5_000)
    assert await accrue(sessions, "P0") == 0

    await place(sessions)
    await pay(sessions, "P1", 1_000)
    assert await accrue(sessions, "P1") == 250
    await recall(sessions)
    await pay(sessions, "P2", 2_000)
    assert await accrue(sessions, "P2") == 0
    assert await accrue(sessions, "P1") == 250

    [placement] = await placements(sessions)
    assert (placement.collected_cents, placement.commission_cents) == (1_000, 250)
    async with sessions() as session:
        payments = await repository.payments_for(session, "A1")
    assert [(p.reference, p.placement_no, p.commission_cents) for p in payments] == [
        ("P0", None, 0),
        ("P1", 1, 250),
        ("P2", None, 0),
    ]
    assert len(await trail(sessions, "commission.accrued")) == 1


async def test_unknown_accounts_placements_and_payments_are_refused_in_one_line(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "A2")
    await place(sessions)
    await pay(sessions, "P1", 1_000)

    refusals: list[StoreError] = []
    with pytest.raises(UnknownAccount, match="^unknown account A9$") as account:
        await place(sessions, account_id="A9")
    refusals.append(account.value)
    with pytest.raises(UnknownPlacement, match="^unknown placement 7 of account A1$") as placement:
        await recall(sessions, 7)
    refusals.append(placement.value)
    for reference, account_id in (("P9", "A1"), ("P1", "A2")):
        with pytest.raises(UnknownPayment, match=f"^no payment {reference} recorded for account {account_id}$") as err:
            await accrue(sessions, reference, account_id=account_id)
        refusals.append(err.value)

    assert all("\n" not in str(refusal) for refusal in refusals)
    assert len(await placements(sessions)) == 1
    assert await placements(sessions, "A9") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"commission_bps": 10_001}, "0 to 10000 basis points"),
        ({"commission_bps": -1}, "0 to 10000 basis points"),
        ({"balance_cents": 0}, "must be positive"),
        ({"agency_id": " "}, "needs an agency id"),
    ],
)
async def test_placements_on_impossible_terms_are_refused(
    sessions: Sessions, changes: dict[str, object], message: str
) -> None:
    await add_account(sessions, "A1")

    with pytest.raises(ValueError, match=message):
        await place(sessions, **changes)  # type: ignore[arg-type]

    assert await placements(sessions) == []
