"""The negotiation activities against a real, migrated SQLite store (the suite's `sessions`)."""

from __future__ import annotations

from datetime import date

import pytest
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.negotiation import NegotiationActivities
from domain.negotiation_messages import Installment, InstallmentStatus, Offer, OfferKind
from domain.plan_messages import (
    CreatePlanInput,
    EndPlanInput,
    PlanRecord,
    PlanStatus,
    PromiseStatus,
    RecordInstallmentsInput,
    RecordPromiseInput,
    ResolvePromiseInput,
    SettleAccountInput,
)
from store import repository
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
PERSONAL = ("Pat Example", "pat@example.com", "+12125550100", "1 Main St")


def schedule() -> list[Installment]:
    return [Installment(1, "2026-03-01", 15_000), Installment(2, "2026-04-01", 15_000)]


def plan_input(plan_no: int = 1, offer: Offer | None = None, account_id: str = "A1") -> CreatePlanInput:
    return CreatePlanInput(account_id, plan_no, offer or Offer(OfferKind.INSTALLMENTS, 30_000, 0, schedule()), "debtor")


async def test_create_plan_twice_returns_the_same_plan_and_records_it_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)
    activities = NegotiationActivities(sessions)

    with structlog.testing.capture_logs() as logs:
        first = await ActivityEnvironment().run(activities.create_plan, plan_input())
        second = await ActivityEnvironment().run(activities.create_plan, plan_input())

    assert first == second == PlanRecord("A1", 1, OfferKind.INSTALLMENTS, 30_000, 0, PlanStatus.ACTIVE, schedule())
    async with sessions() as session:
        plans = await repository.plans_for(session, "A1")
        created = [e for e in await repository.audit_trail(session, "A1") if e.action == "plan.created"]
    assert [(p.plan_no, p.status, len(p.installments)) for p in plans] == [(1, PlanStatus.ACTIVE, 2)]
    assert len(created) == 1
    assert [log["event"] for log in logs] == ["plan.created", "plan.already_recorded"]
    assert all(log["account_id"] == "A1" and log["plan_no"] == 1 for log in logs)
    assert not any(value in repr(logs) for value in PERSONAL)


async def test_a_settlement_plan_from_creation_to_write_down(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)
    activities = NegotiationActivities(sessions)
    env = ActivityEnvironment()
    offer = Offer(OfferKind.SETTLEMENT, 30_000, 20_000, schedule())

    await env.run(activities.create_plan, plan_input(1))
    record = await env.run(activities.create_plan, CreatePlanInput("A1", 2, offer, "rep-3", "sup-7", "supervisor"))
    paid = [Installment(1, "2026-03-01", 15_000, 15_000, InstallmentStatus.PAID), schedule()[1]]
    for _ in range(2):
        await env.run(activities.record_installments, RecordInstallmentsInput("A1", 2, paid))
        await env.run(activities.settle_account, SettleAccountInput("A1", 2, 20_000))

    assert (record.plan_no, record.kind, record.discount_cents) == (2, OfferKind.SETTLEMENT, 20_000)
    async with sessions() as session:
        plans = await repository.plans_for(session, "A1")
        account = await repository.get_account(session, "A1")
        trail = [e.action for e in await repository.audit_trail(session, "A1")]
    assert [(p.plan_no, p.status) for p in plans] == [(1, PlanStatus.CANCELLED), (2, PlanStatus.COMPLETED)]
    assert [(i.paid_cents, i.status) for i in plans[1].installments] == [
        (15_000, InstallmentStatus.PAID),
        (0, InstallmentStatus.SCHEDULED),
    ]
    assert (plans[1].approved_by, plans[1].approver_role) == ("sup-7", "supervisor")
    assert account is not None and (account.balance_cents, account.forgiven_cents) == (30_000, 20_000)
    assert trail.count("account.settled") == 1 and trail.count("plan.installment") == 1


async def test_a_broken_plan_ends_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)
    activities = NegotiationActivities(sessions)
    env = ActivityEnvironment()
    await env.run(activities.create_plan, plan_input())
    missed = [Installment(1, "2026-03-01", 15_000, 0, InstallmentStatus.MISSED), schedule()[1]]

    with structlog.testing.capture_logs() as logs:
        await env.run(activities.record_installments, RecordInstallmentsInput("A1", 1, missed))
        for _ in range(2):
            await env.run(activities.end_plan, EndPlanInput("A1", 1, "broken"))

    async with sessions() as session:
        (plan,) = await repository.plans_for(session, "A1")
    assert plan.status == PlanStatus.BROKEN and plan.installments[0].status == InstallmentStatus.MISSED
    assert [log["event"] for log in logs] == ["plan.installments", "plan.ended", "plan.already_ended"]


async def test_promises_are_recorded_and_resolved_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)
    activities = NegotiationActivities(sessions)
    env = ActivityEnvironment()

    with structlog.testing.capture_logs() as logs:
        for _ in range(2):
            await env.run(activities.record_promise, RecordPromiseInput("A1", 1, 5_000, "2026-02-10"))
        for _ in range(2):
            await env.run(activities.resolve_promise, ResolvePromiseInput("A1", 1, "kept"))

    async with sessions() as session:
        promises = await repository.promises_for(session, "A1")
    assert [(p.promise_no, p.amount_cents, p.due_date, p.status) for p in promises] == [
        (1, 5_000, date(2026, 2, 10), PromiseStatus.KEPT)
    ]
    assert [log["event"] for log in logs] == [
        "promise.made",
        "promise.already_recorded",
        "promise.resolved",
        "promise.already_resolved",
    ]
    assert logs[0]["promise_no"] == 1


@pytest.mark.parametrize(
    ("method", "request_", "error_type"),
    [
        ("create_plan", plan_input(account_id="A9"), "UnknownAccount"),
        ("record_installments", RecordInstallmentsInput("A1", 7, schedule()), "UnknownPlan"),
        ("end_plan", EndPlanInput("A1", 7, "completed"), "UnknownPlan"),
        ("settle_account", SettleAccountInput("A1", 7, 100), "UnknownPlan"),
        ("record_promise", RecordPromiseInput("A9", 1, 5_000, "2026-02-10"), "UnknownAccount"),
        ("record_promise", RecordPromiseInput("A1", 1, 5_000, "next Friday"), "Refused"),
        ("resolve_promise", ResolvePromiseInput("A1", 4, "kept"), "UnknownPromise"),
    ],
)
async def test_business_refusals_are_not_retried(
    sessions: Sessions, method: str, request_: object, error_type: str
) -> None:
    await add_account(sessions, "A1", balance_cents=30_000)

    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(getattr(NegotiationActivities(sessions), method), request_)

    assert (refused.value.type, refused.value.non_retryable) == (error_type, True)


async def test_the_messages_cross_temporal_as_they_are() -> None:
    converter = DataConverter.default
    messages: list[object] = [
        CreatePlanInput("A1", 2, Offer(OfferKind.SETTLEMENT, 30_000, 20_000, schedule()), "rep-3", "sup-7", "lead"),
        PlanRecord("A1", 1, OfferKind.INSTALLMENTS, 30_000, 0, PlanStatus.ACTIVE, schedule()),
        RecordInstallmentsInput("A1", 1, [Installment(1, "2026-03-01", 15_000, 15_000, InstallmentStatus.PAID)]),
        EndPlanInput("A1", 1, "broken"),
        SettleAccountInput("A1", 1, 20_000),
        RecordPromiseInput("A1", 1, 5_000, "2026-02-10"),
        ResolvePromiseInput("A1", 1, "kept"),
    ]

    for message in messages:
        decoded = await converter.decode(await converter.encode([message]), [type(message)])
        assert decoded == [message]
