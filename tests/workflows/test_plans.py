"""Months of installments on the time-skipping server.

The time-skipping server has no workflow updates, so these tests start the workflow the way
continue-as-new does: with a state in which the plan was already agreed (agreement itself is
tested on the dev server, tests/integration/test_negotiation_updates.py).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain import lifecycle, negotiation
from domain.contact import Channel
from domain.contact_messages import AttemptStatus
from domain.messages import AccountSnapshot, AccountStatus, AccountWorkflowInput, PaymentInput
from domain.negotiation_messages import ActivePlan, Offer, OfferKind, PendingApproval, PlanProposal, PromiseInput
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import repository
from store.views import AttemptView
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from workflows.account import AccountCollectionsWorkflow

BALANCE = 90_000
POLICY = load_strategy("default").plan_for(segment="card", state="NY")


async def start_on_plan(
    env: WorkflowEnvironment,
    queue: str,
    sessions,
    *,
    kind: OfferKind = OfferKind.INSTALLMENTS,
    total: int = BALANCE,
    count: int = 3,
) -> tuple[WorkflowHandle, str]:
    account_id = f"P{uuid.uuid4().hex[:8]}"
    now = await env.get_current_time()
    today = now.date()
    await add_account(sessions, account_id, balance_cents=BALANCE, due_date=today - timedelta(days=20))
    schedule = negotiation.installment_schedule(total, count, today + timedelta(days=10), 30)
    offer = Offer(kind, total, BALANCE - total, schedule)
    async with sessions() as session, session.begin():
        await repository.create_plan(
            session, account_id=account_id, plan_no=1, offer=offer, proposed_by="debtor", approved_by=None,
            approver_role=None, now=now,
        )  # fmt: skip
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", (today - timedelta(days=20)).isoformat(), "card")
    state = lifecycle.new_account_state(snapshot, now, POLICY)
    state.stage = state.resume_stage = Stage.ON_PLAN
    state.stage_changes = 1
    state.negotiation.plan = ActivePlan(1, offer, "debtor")
    state.negotiation.plans_made = 1
    state.contact.validation_notice_sent_at = now - timedelta(days=30)  # contacting sent it before the plan
    handle = await env.client.start_workflow(
        AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, state=state),
        id=workflow_id_for(account_id), task_queue=queue,
    )  # fmt: skip
    return handle, account_id


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def pay(handle: WorkflowHandle, cents: int, reference: str) -> None:
    await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(cents, reference, "2026-01-01"))


async def test_an_installment_plan_kept_to_the_end_pays_the_account(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_on_plan(env, queue, sessions)
        for number in range(3):
            await env.sleep(timedelta(days=10 if number == 0 else 30))
            await pay(handle, 30_000, f"INST-{number}")
            await eventually(lambda: status_of(handle), lambda s, n=number: s.payments_count == n + 1)
        result = await handle.result()
    assert (result.stage, result.balance_cents) == (Stage.PAID, 0)
    async with sessions() as session:
        [plan] = await repository.plans_for(session, account_id)
    assert [i.status for i in plan.installments] == ["paid"] * 3


async def reminders(sessions, account_id: str) -> list[AttemptView]:
    async with sessions() as session:
        return [a for a in await repository.attempts_for(session, account_id) if a.template == "plan_reminder"]


async def test_a_missed_installment_is_reminded_once_and_paying_in_grace_keeps_the_plan(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_on_plan(env, queue, sessions)
        await env.sleep(timedelta(days=9))
        assert await reminders(sessions, account_id) == [], "nothing is reminded before the due date"
        await env.sleep(timedelta(days=3))  # due on day 10: past due from day 11, reminded at 08:00 New York time
        [reminder] = await eventually(lambda: reminders(sessions, account_id), lambda found: len(found) == 1)
        await pay(handle, 30_000, "LATE-1")
        status = await eventually(lambda: status_of(handle), lambda s: s.payments_count == 1)
        await env.sleep(timedelta(days=POLICY.negotiation.grace_days + 1))
        later = await status_of(handle)
        await terminate_when_idle(handle)
    assert (reminder.channel, reminder.status, reminder.local_at[11:13]) == (Channel.EMAIL, AttemptStatus.SENT, "08")
    assert (status.stage, status.installments_missed, later.stage, later.installments_missed) == (
        Stage.ON_PLAN, 0, Stage.ON_PLAN, 0,
    )  # fmt: skip
    assert len(await reminders(sessions, account_id)) == 1


async def test_a_missed_installment_breaks_the_plan_and_the_account_returns_to_negotiation(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_on_plan(env, queue, sessions)
        await env.sleep(timedelta(days=9))
        await pay(handle, 30_000, "INST-1")
        await env.sleep(timedelta(days=30 + POLICY.negotiation.grace_days + 2))
        status = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.NEGOTIATING)
        await terminate_when_idle(handle)
    assert status.installments_missed == 1 and status.plan is None
    async with sessions() as session:
        [plan] = await repository.plans_for(session, account_id)
    assert plan.status == "broken"
    assert [i.status for i in plan.installments] == ["paid", "missed", "scheduled"]
    assert len(await reminders(sessions, account_id)) == 1, "the missed installment was reminded before it broke"


async def test_payments_early_late_within_grace_partial_duplicated_and_over_count_in_order(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, _ = await start_on_plan(env, queue, sessions)
        await pay(handle, 30_000, "EARLY-1")
        await env.sleep(timedelta(days=41))
        await pay(handle, 10_000, "PART-2a")
        await pay(handle, 20_000, "PART-2b")
        await pay(handle, 20_000, "PART-2b")  # duplicated reference: counts once
        status = await eventually(lambda: status_of(handle), lambda s: s.payments_count == 3)
        assert (status.stage, status.next_installment_cents, status.balance_cents) == (Stage.ON_PLAN, 30_000, 30_000)
        await pay(handle, 45_000, "OVER-3")
        result = await handle.result()
    assert (result.stage, result.balance_cents) == (Stage.PAID, -15_000)


async def test_a_settlement_paid_in_full_ends_settled_with_the_forgiven_amount_recorded(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_on_plan(env, queue, sessions, kind=OfferKind.SETTLEMENT, total=63_000, count=1)
        await env.sleep(timedelta(days=5))
        await pay(handle, 63_000, "SETTLE-1")
        result = await handle.result()
    assert result.stage == Stage.SETTLED and result.collected_cents == 63_000
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
    assert account is not None and (account.balance_cents, account.forgiven_cents) == (0, 27_000)


async def test_an_approval_nobody_decides_expires_and_the_account_stays_in_negotiation(time_skipping_env, sessions):
    env = time_skipping_env
    account_id = f"E{uuid.uuid4().hex[:8]}"
    now = await env.get_current_time()
    await add_account(sessions, account_id, balance_cents=BALANCE, due_date=now.date() - timedelta(days=20))
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", (now.date() - timedelta(days=20)).isoformat(), "card")
    state = lifecycle.new_account_state(snapshot, now, POLICY)
    state.stage = state.resume_stage = Stage.NEGOTIATING
    state.stage_changes = 1
    offer = Offer(OfferKind.SETTLEMENT, 70_000, 20_000, negotiation.installment_schedule(70_000, 1, now.date(), 30))
    expires = now + timedelta(hours=POLICY.negotiation.approval_expires_hours)
    state.negotiation.pending = PendingApproval(offer, PlanProposal(settle_cents=70_000), "supervisor", now, expires)
    async with running_worker(env.client, sessions) as queue:
        handle = await env.client.start_workflow(
            AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, state=state),
            id=workflow_id_for(account_id), task_queue=queue,
        )  # fmt: skip
        assert (await status_of(handle)).pending_approval is not None
        await env.sleep(timedelta(hours=POLICY.negotiation.approval_expires_hours + 1))
        status = await eventually(lambda: status_of(handle), lambda s: s.pending_approval is None)
        await terminate_when_idle(handle)
    assert status.stage == Stage.NEGOTIATING


async def test_a_promise_is_kept_by_the_payments_that_follow_it_and_another_is_broken_after_grace(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_on_plan(env, queue, sessions)
        today = (await env.get_current_time()).date()
        await handle.signal(AccountCollectionsWorkflow.promise_to_pay, PromiseInput(10_000, str(today + timedelta(3))))
        await pay(handle, 10_000, "PROMISED-1")
        await env.sleep(timedelta(days=1))
        await eventually(lambda: status_of(handle), lambda s: s.payments_count == 1)
        await handle.signal(AccountCollectionsWorkflow.promise_to_pay, PromiseInput(5_000, str(today + timedelta(5))))
        await env.sleep(timedelta(days=5 + POLICY.negotiation.grace_days + 2))
        await terminate_when_idle(handle)
    async with sessions() as session:
        promises = await repository.promises_for(session, account_id)
    assert [p.status for p in promises] == ["kept", "broken"]
