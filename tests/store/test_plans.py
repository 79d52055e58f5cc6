"""Plans, installments, settlements and promises: each recorded once, whatever retries and races bring."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.negotiation_messages import Installment, InstallmentStatus, Offer, OfferKind
from domain.plan_messages import PlanStatus, PromiseStatus
from store import repository
from store.errors import PlanNotSettleable, UnknownAccount, UnknownInstallment, UnknownPlan, UnknownPromise
from store.views import AuditEntryView, PlanView
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)


def installments_offer(total_cents: int = 30_000, count: int = 3) -> Offer:
    share = total_cents // count
    amounts = [share] * (count - 1) + [total_cents - share * (count - 1)]
    schedule = [
        Installment(number=n, due_date=(date(2026, 3, 1) + timedelta(days=30 * (n - 1))).isoformat(), amount_cents=a)
        for n, a in enumerate(amounts, start=1)
    ]
    return Offer(OfferKind.INSTALLMENTS, total_cents, 0, schedule)


def settlement_offer(total_cents: int = 30_000, discount_cents: int = 20_000) -> Offer:
    return Offer(OfferKind.SETTLEMENT, total_cents, discount_cents, [Installment(1, "2026-03-01", total_cents)])


async def create(
    sessions: Sessions, plan_no: int, offer: Offer, now: datetime = NOW, account_id: str = "A1"
) -> PlanView:
    async with sessions() as session, session.begin():
        return await repository.create_plan(
            session, account_id=account_id, plan_no=plan_no, offer=offer, proposed_by="debtor",
            approved_by="sup-7" if offer.discount_cents else None,
            approver_role="supervisor" if offer.discount_cents else None, now=now,
        )  # fmt: skip


async def plans(sessions: Sessions, account_id: str = "A1") -> list[PlanView]:
    async with sessions() as session:
        return await repository.plans_for(session, account_id)


async def trail(sessions: Sessions, prefix: str, account_id: str = "A1") -> list[AuditEntryView]:
    async with sessions() as session:
        return [e for e in await repository.audit_trail(session, account_id) if e.action.startswith(prefix)]


async def record(sessions: Sessions, plan_no: int, installments: list[Installment], now: datetime = LATER) -> bool:
    async with sessions() as session, session.begin():
        return await repository.record_installments(
            session, account_id="A1", plan_no=plan_no, installments=installments, now=now
        )


async def end(sessions: Sessions, plan_no: int, status: str, now: datetime = LATER) -> bool:
    async with sessions() as session, session.begin():
        return await repository.end_plan(session, account_id="A1", plan_no=plan_no, status=status, now=now)


async def settle(sessions: Sessions, plan_no: int, forgiven_cents: int, now: datetime = LATER) -> bool:
    async with sessions() as session, session.begin():
        return await repository.settle_account(
            session, account_id="A1", plan_no=plan_no, forgiven_cents=forgiven_cents, now=now
        )


async def balance(sessions: Sessions) -> tuple[int, int]:
    """(balance, forgiven) as the store holds them."""
    async with sessions() as session:
        account = await repository.get_account(session, "A1")
    assert account is not None
    return account.balance_cents, account.forgiven_cents


async def test_a_plan_and_its_installments_are_created_once_whatever_the_retries(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)

    first = await create(sessions, 1, installments_offer())
    again = await create(sessions, 1, installments_offer(20_000, count=2), now=LATER)

    assert again == first
    assert await plans(sessions) == [first]
    assert (first.plan_no, first.kind, first.status, first.total_cents, first.discount_cents) == (
        1, OfferKind.INSTALLMENTS, PlanStatus.ACTIVE, 30_000, 0,
    )  # fmt: skip
    assert (first.proposed_by, first.approved_by, first.approver_role, first.created_at, first.ended_at) == (
        "debtor", None, None, NOW, None,
    )  # fmt: skip
    assert [(i.number, i.due_date, i.amount_cents, i.paid_cents, i.status) for i in first.installments] == [
        (1, date(2026, 3, 1), 10_000, 0, InstallmentStatus.SCHEDULED),
        (2, date(2026, 3, 31), 10_000, 0, InstallmentStatus.SCHEDULED),
        (3, date(2026, 4, 30), 10_000, 0, InstallmentStatus.SCHEDULED),
    ]
    created = await trail(sessions, "plan.")
    assert [(e.action, e.idempotency_key, e.detail["installments"]) for e in created] == [
        ("plan.created", "plan:A1:1", 3)
    ]
    async with sessions() as session:
        assert await repository.get_plan(session, "A1", 1) == first
        assert await repository.get_plan(session, "A1", 2) is None


async def test_concurrent_creations_of_one_plan_create_it_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)

    results = await asyncio.gather(*(create(sessions, 1, installments_offer()) for _ in range(3)))

    assert len({r.plan_id for r in results}) == 1
    stored = await plans(sessions)
    assert len(stored) == 1 and len(stored[0].installments) == 3
    assert len(await trail(sessions, "plan.created")) == 1


async def test_a_new_plan_cancels_the_active_one_and_a_late_retry_changes_nothing(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)
    await create(sessions, 1, installments_offer())

    await create(sessions, 2, settlement_offer(), now=LATER)
    await create(sessions, 1, installments_offer(), now=LATER + timedelta(hours=1))

    stored = await plans(sessions)
    assert [(p.plan_no, p.status, p.ended_at) for p in stored] == [
        (1, PlanStatus.CANCELLED, LATER),
        (2, PlanStatus.ACTIVE, None),
    ]
    assert (stored[1].kind, stored[1].discount_cents, stored[1].approved_by, stored[1].approver_role) == (
        OfferKind.SETTLEMENT, 20_000, "sup-7", "supervisor",
    )  # fmt: skip
    entries = await trail(sessions, "plan.")
    assert [(e.action, e.idempotency_key, e.detail.get("replaced_by")) for e in entries] == [
        ("plan.created", "plan:A1:1", None),
        ("plan.cancelled", "plan:A1:1:ended", 2),
        ("plan.created", "plan:A1:2", None),
    ]


async def test_installments_paid_amounts_are_recorded_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)
    schedule = (await create(sessions, 1, installments_offer())).installments
    seen = [Installment(i.number, i.due_date.isoformat(), i.amount_cents) for i in schedule]
    seen[0].paid_cents, seen[0].status = 10_000, InstallmentStatus.PAID
    seen[1].paid_cents = 4_000

    assert await record(sessions, 1, seen)
    assert not await record(sessions, 1, seen, now=LATER + timedelta(hours=1))

    stored = (await plans(sessions))[0].installments
    assert [(i.number, i.paid_cents, i.status, i.updated_at) for i in stored] == [
        (1, 10_000, InstallmentStatus.PAID, LATER),
        (2, 4_000, InstallmentStatus.SCHEDULED, LATER),
        (3, 0, InstallmentStatus.SCHEDULED, NOW),
    ]
    entries = await trail(sessions, "plan.installment")
    assert [(e.detail["number"], e.detail["paid_cents"], e.detail["status"]) for e in entries] == [
        (1, 10_000, "paid"),
        (2, 4_000, "scheduled"),
    ]

    seen[1].status = InstallmentStatus.MISSED
    assert await record(sessions, 1, [seen[1]])
    assert (await plans(sessions))[0].installments[1].status == InstallmentStatus.MISSED
    assert len(await trail(sessions, "plan.installment")) == 3


async def test_installments_of_an_unknown_plan_or_number_are_refused(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)
    await create(sessions, 1, installments_offer())

    with pytest.raises(UnknownPlan, match="unknown plan 2 of account A1"):
        await record(sessions, 2, [Installment(1, "2026-03-01", 10_000)])
    with pytest.raises(UnknownInstallment, match="no installment 4"):
        await record(sessions, 1, [Installment(1, "2026-03-01", 10_000, 10_000), Installment(4, "2026-06-01", 1)])

    assert [i.paid_cents for i in (await plans(sessions))[0].installments] == [0, 0, 0]


async def test_a_plan_ends_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)
    await create(sessions, 1, installments_offer())

    assert await end(sessions, 1, "broken")
    assert not await end(sessions, 1, "broken", now=LATER + timedelta(hours=1))
    assert not await end(sessions, 1, "completed")

    stored = await plans(sessions)
    assert [(p.status, p.ended_at) for p in stored] == [(PlanStatus.BROKEN, LATER)]
    assert [(e.action, e.idempotency_key) for e in await trail(sessions, "plan.")][1:] == [
        ("plan.broken", "plan:A1:1:ended")
    ]
    with pytest.raises(ValueError, match="not 'active'"):
        await end(sessions, 1, "active")
    with pytest.raises(UnknownPlan):
        await end(sessions, 9, "completed")


async def test_a_settlement_writes_the_forgiven_amount_down_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)
    await create(sessions, 1, settlement_offer())
    async with sessions() as session, session.begin():
        await repository.record_payment(
            session, account_id="A1", reference="P1", amount_cents=30_000, received_on=date(2026, 2, 20),
            source="debtor", now=LATER,
        )  # fmt: skip

    assert await settle(sessions, 1, 20_000)
    assert not await settle(sessions, 1, 20_000, now=LATER + timedelta(hours=1))
    assert await balance(sessions) == (0, 20_000)

    stored = (await plans(sessions))[0]
    assert (stored.status, stored.ended_at, stored.discount_cents) == (PlanStatus.COMPLETED, LATER, 20_000)
    settled = await trail(sessions, "account.settled")
    assert [(e.idempotency_key, e.detail) for e in settled] == [
        (
            "settle:A1:1",
            {
                "plan_no": 1,
                "forgiven_cents": 20_000,
                "requested_cents": 20_000,
                "balance_before_cents": 20_000,
                "balance_after_cents": 0,
            },
        )
    ]
    assert [e.action for e in await trail(sessions, "plan.")] == ["plan.created", "plan.completed"]


async def test_a_settlement_never_forgives_more_than_the_balance(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=15_000)
    await create(sessions, 1, settlement_offer(10_000, 5_000))

    assert await settle(sessions, 1, 40_000)

    assert await balance(sessions) == (0, 15_000)
    assert (await trail(sessions, "account.settled"))[0].detail["requested_cents"] == 40_000


async def test_only_a_live_settlement_plan_settles(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)
    await create(sessions, 1, installments_offer())
    await create(sessions, 2, settlement_offer())

    with pytest.raises(PlanNotSettleable, match="installments, not a settlement"):
        await settle(sessions, 1, 20_000)
    await end(sessions, 2, "broken")
    with pytest.raises(PlanNotSettleable, match="broken: nothing to settle"):
        await settle(sessions, 2, 20_000)
    with pytest.raises(ValueError, match="must not be negative"):
        await settle(sessions, 2, -1)

    assert await balance(sessions) == (50_000, 0)
    assert await trail(sessions, "account.settled") == []


async def test_plans_for_unknown_accounts_and_inconsistent_offers_are_refused(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)

    with pytest.raises(UnknownAccount, match="unknown account A9"):
        await create(sessions, 1, installments_offer(), account_id="A9")
    offer = installments_offer()
    offer.installments[0].amount_cents += 1
    with pytest.raises(ValueError, match="add up to 30001 cents, the offer to 30000"):
        await create(sessions, 1, offer)

    assert await plans(sessions) == []


async def test_promises_are_recorded_and_resolved_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)

    async def promise(number: int, now: datetime = NOW) -> bool:
        async with sessions() as session, session.begin():
            return await repository.record_promise(
                session, account_id="A1", promise_no=number, amount_cents=5_000 * number,
                due_date=date(2026, 2, 10), now=now,
            )  # fmt: skip

    async def resolve(number: int, status: str, now: datetime = LATER) -> bool:
        async with sessions() as session, session.begin():
            return await repository.resolve_promise(session, account_id="A1", promise_no=number, status=status, now=now)

    assert await promise(1) and await promise(2)
    assert not await promise(1, now=LATER)
    assert await resolve(1, "kept")
    assert not await resolve(1, "broken", now=LATER + timedelta(hours=1))
    assert await resolve(2, "broken")

    async with sessions() as session:
        stored = await repository.promises_for(session, "A1")
    assert [(p.promise_no, p.amount_cents, p.due_date, p.status, p.made_at, p.resolved_at) for p in stored] == [
        (1, 5_000, date(2026, 2, 10), PromiseStatus.KEPT, NOW, LATER),
        (2, 10_000, date(2026, 2, 10), PromiseStatus.BROKEN, NOW, LATER),
    ]
    entries = await trail(sessions, "promise.")
    assert [(e.action, e.idempotency_key) for e in entries] == [
        ("promise.made", "promise:A1:1"),
        ("promise.made", "promise:A1:2"),
        ("promise.kept", "promise:A1:1:resolved"),
        ("promise.broken", "promise:A1:2:resolved"),
    ]
    with pytest.raises(UnknownPromise, match="unknown promise 3 of account A1"):
        await resolve(3, "kept")
    with pytest.raises(ValueError, match="not 'open'"):
        await resolve(2, "open")


async def test_promises_for_unknown_accounts_or_of_nothing_are_refused(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)

    for account_id, amount, error in [("A9", 5_000, UnknownAccount), ("A1", 0, ValueError)]:
        with pytest.raises(error):
            async with sessions() as session, session.begin():
                await repository.record_promise(
                    session, account_id=account_id, promise_no=1, amount_cents=amount,
                    due_date=date(2026, 2, 10), now=NOW,
                )  # fmt: skip

    async with sessions() as session:
        assert await repository.promises_for(session, "A1") == []
