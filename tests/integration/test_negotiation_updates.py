"""Proposals and approvals are workflow updates: on the real dev server (the test server has none)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from domain import lifecycle, negotiation
from domain.messages import AccountSnapshot, AccountStatus, AccountWorkflowInput
from domain.negotiation_messages import ActivePlan, ApprovalInput, Offer, OfferKind, PlanProposal, ProposalDecision
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import RECENTLY_DUE, add_account, eventually, terminate_when_idle
from workflows.account import AccountCollectionsWorkflow

BALANCE = 100_000


@asynccontextmanager
async def running_account(local_env, sessions, strategy: str) -> AsyncIterator[tuple[WorkflowHandle, str]]:
    """A running account workflow on the dev server on `strategy`'s plan, with its store row."""
    account_id = f"N{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, balance_cents=BALANCE)
    plan = load_strategy(strategy).plan_for(segment="card", state="NY")
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", RECENTLY_DUE.isoformat(), "card")
    async with running_worker(local_env.client, sessions) as queue:
        handle = await local_env.client.start_workflow(
            AccountCollectionsWorkflow.run,
            AccountWorkflowInput(account_id, snapshot=snapshot, plan=plan),
            id=workflow_id_for(account_id),
            task_queue=queue,
        )
        yield handle, account_id
        await terminate_when_idle(handle)


@pytest.fixture
async def negotiating(local_env, sessions):
    """A running account workflow on the dev server and its store; yields (handle, sessions, account id)."""
    async with running_account(local_env, sessions, "default") as (handle, account_id):
        yield handle, sessions, account_id


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


async def test_an_in_policy_plan_is_accepted_at_once_and_the_account_goes_on_plan(negotiating) -> None:
    handle, sessions, account_id = negotiating
    answer = await handle.execute_update(AccountCollectionsWorkflow.propose_plan, PlanProposal(4, in_days(10)))
    assert answer.decision == ProposalDecision.ACCEPTED and answer.offer is not None
    assert sum(i.amount_cents for i in answer.offer.installments) == BALANCE
    status = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_PLAN)
    assert status.next_installment_due == in_days(10) and status.next_installment_cents == 25_000
    async with sessions() as session:
        [plan] = await repository.plans_for(session, account_id)
    assert [i.amount_cents for i in plan.installments] == [25_000] * 4


async def test_an_out_of_policy_proposal_is_refused_with_the_reason_and_leaves_history_untouched(negotiating) -> None:
    handle, _, _ = negotiating
    await eventually(lambda: status_of(handle), lambda s: s.attempts_count >= 1)
    before = len((await handle.fetch_history()).events)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(AccountCollectionsWorkflow.propose_plan, PlanProposal(60, in_days(10)))
    assert "12" in str(refused.value.cause)
    after = await handle.fetch_history()
    assert not any(e.HasField("workflow_execution_update_accepted_event_attributes") for e in after.events)
    assert len(after.events) - before <= 2, "only the contact cadence's own events may have been added"
    assert (await status_of(handle)).stage == Stage.CONTACTING


async def test_a_discount_beyond_policy_waits_for_a_supervisor_and_a_collector_cannot_grant_it(negotiating) -> None:
    handle, sessions, account_id = negotiating
    answer = await handle.execute_update(AccountCollectionsWorkflow.propose_plan, PlanProposal(settle_cents=80_000))
    assert (answer.decision, answer.required_role) == (ProposalDecision.PENDING_APPROVAL, "supervisor")
    pending = await eventually(
        lambda: status_of(handle), lambda s: s.pending_approval is not None and s.stage == Stage.NEGOTIATING
    )
    assert pending.pending_approval == "settlement needs a supervisor"

    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(AccountCollectionsWorkflow.decide_approval, ApprovalInput("Sam", "collector"))
    approved = await handle.execute_update(
        AccountCollectionsWorkflow.decide_approval, ApprovalInput("Dana Reyes", "supervisor")
    )
    assert approved.decision == ProposalDecision.ACCEPTED and approved.offer is not None
    assert (approved.offer.kind, approved.offer.discount_cents) == (OfferKind.SETTLEMENT, 20_000)
    await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_PLAN)
    async with sessions() as session:
        [plan] = await repository.plans_for(session, account_id)
    assert (plan.approved_by, plan.discount_cents) == ("Dana Reyes", 20_000)


async def test_a_declined_proposal_leaves_the_account_negotiating_with_nothing_pending(negotiating) -> None:
    handle, _, _ = negotiating
    await handle.execute_update(AccountCollectionsWorkflow.propose_plan, PlanProposal(settle_cents=80_000))
    declined = await handle.execute_update(
        AccountCollectionsWorkflow.decide_approval, ApprovalInput("Dana Reyes", "supervisor", approve=False)
    )
    assert declined.decision == ProposalDecision.REJECTED
    # The stage change is the run loop's (an activity records it), so it may land just after the answer.
    status = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.NEGOTIATING)
    assert status.pending_approval is None
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(AccountCollectionsWorkflow.decide_approval, ApprovalInput("Dana", "supervisor"))
    assert "nothing awaits approval" in str(refused.value.cause)


async def test_a_broken_plan_can_be_renegotiated_into_a_new_plan(local_env, sessions) -> None:
    account_id = f"R{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, balance_cents=BALANCE)
    plan = load_strategy("default").plan_for(segment="card", state="NY")
    now = datetime.now(UTC)
    overdue = negotiation.installment_schedule(BALANCE, 2, (now - timedelta(days=40)).date(), 30)
    offer = Offer(OfferKind.INSTALLMENTS, BALANCE, 0, overdue)
    async with sessions() as session, session.begin():
        await repository.create_plan(
            session, account_id=account_id, plan_no=1, offer=offer, proposed_by="debtor", approved_by=None,
            approver_role=None, now=now,
        )  # fmt: skip
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", RECENTLY_DUE.isoformat(), "card")
    state = lifecycle.new_account_state(snapshot, now, plan)
    state.stage = state.resume_stage = Stage.ON_PLAN
    state.stage_changes, state.negotiation.plans_made = 1, 1
    state.negotiation.plan = ActivePlan(1, offer, "debtor")
    async with running_worker(local_env.client, sessions) as queue:
        handle = await local_env.client.start_workflow(
            AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, state=state),
            id=workflow_id_for(account_id), task_queue=queue,
        )  # fmt: skip
        broken = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.NEGOTIATING)
        assert broken.installments_missed == 1
        answer = await handle.execute_update(AccountCollectionsWorkflow.propose_plan, PlanProposal(4, in_days(7)))
        assert answer.decision == ProposalDecision.ACCEPTED
        renewed = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_PLAN)
        await terminate_when_idle(handle)
    assert renewed.plan == "#2 installments of 4"
    async with sessions() as session:
        plans = await repository.plans_for(session, account_id)
    assert [(p.plan_no, p.status) for p in plans] == [(1, "broken"), (2, "active")]


async def test_the_offers_shown_are_the_ones_the_accounts_own_strategy_accepts(local_env, sessions) -> None:
    """The workflow runs the `demo` strategy (at most 6 installments); an operator's CLI is configured with
    `default` (12): `offers` and the promise check use the account's own, so what is shown is accepted."""
    from ops.context import OpsContext
    from ops.negotiation import offers
    from service.config import load_settings

    plan = load_strategy("demo").plan_for(segment="card", state="NY")
    async with running_account(local_env, sessions, "demo") as (handle, account_id):
        await eventually(lambda: status_of(handle), lambda s: s.strategy is not None)
        ctx = OpsContext(load_settings(), local_env.client, sessions, load_strategy("default"))
        shown = await offers(ctx, account_id)
        longest = max(len(o["installments"]) for o in shown)
        assert longest == plan.negotiation.max_installments == 6
        accepted = await handle.execute_update(
            AccountCollectionsWorkflow.propose_plan, PlanProposal(longest, in_days(3))
        )
        assert accepted.decision == ProposalDecision.ACCEPTED
