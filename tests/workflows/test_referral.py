"""Referral on the time-skipping server: placement by rule, agency payments and commission, recalls."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.messages import AccountSnapshot, AccountStatus, AccountWorkflowInput, PaymentInput
from domain.referral_messages import RecallInput
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from workflows.account import AccountCollectionsWorkflow

BALANCE = 50_000
PLAN = load_strategy("default").plan_for(segment="card", state="NY")


async def start_past_referral(env: WorkflowEnvironment, queue: str, sessions) -> tuple[WorkflowHandle, str]:
    """An account 200 days past due: past the default strategy's 180-day threshold, so it is referred at once."""
    account_id = f"R{uuid.uuid4().hex[:8]}"
    due = (await env.get_current_time()).date() - timedelta(days=200)
    await add_account(sessions, account_id, balance_cents=BALANCE, due_date=due)
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", due.isoformat(), "card")
    handle = await env.client.start_workflow(
        AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, snapshot=snapshot, plan=PLAN),
        id=workflow_id_for(account_id), task_queue=queue,
    )  # fmt: skip
    return handle, account_id


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def agency_pays(handle: WorkflowHandle, cents: int, reference: str, agency: str = "acme") -> None:
    payment = PaymentInput(cents, reference, "2026-01-01", f"agency:{agency}")
    await handle.signal(AccountCollectionsWorkflow.payment, payment)


async def test_a_referred_account_is_placed_by_rule_and_the_agencys_payments_earn_commission_once(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_past_referral(env, queue, sessions)
        placed = await eventually(lambda: status_of(handle), lambda s: s.placement is not None)
        await agency_pays(handle, 10_001, "ACME-1")
        await agency_pays(handle, 10_001, "ACME-1")  # the agency's file sent twice
        await eventually(lambda: status_of(handle), lambda s: s.payments_count == 1)
        await terminate_when_idle(handle)
    assert placed.stage == Stage.REFERRED and placed.placement is not None and "acme" in placed.placement
    assert placed.attempts_count == 0, "no in-house contact once the account is past the referral threshold"
    async with sessions() as session:
        [placement] = await repository.placements_for(session, account_id)
        [payment] = await repository.payments_for(session, account_id)
    assert (placement.agency_id, placement.balance_placed_cents, placement.commission_bps) == ("acme", BALANCE, 2_500)
    assert (placement.collected_cents, placement.commission_cents) == (10_001, 2_500)
    assert payment.amount_cents == 10_001


async def test_a_placement_that_stops_paying_is_recalled_and_placed_again_then_goes_to_the_internal_desk(
    time_skipping_env, sessions
):
    env = time_skipping_env
    recall_days = PLAN.referral.recall_after_days
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_past_referral(env, queue, sessions)
        await eventually(lambda: status_of(handle), lambda s: s.placements_made == 1)
        await env.sleep(timedelta(days=recall_days - 20))
        await agency_pays(handle, 5_000, "ACME-1")  # a payment restarts the recall clock
        await env.sleep(timedelta(days=30))
        still = await status_of(handle)
        await env.sleep(timedelta(days=recall_days))
        second = await eventually(lambda: status_of(handle), lambda s: s.placements_made == 2)
        await env.sleep(timedelta(days=recall_days + 1))
        third = await eventually(lambda: status_of(handle), lambda s: s.placements_made == 3)
        await terminate_when_idle(handle)
    assert still.placements_made == 1 and still.placement is not None and "acme" in still.placement
    assert second.placement is not None and "zenith" in second.placement
    assert third.placement is not None and "internal" in third.placement
    async with sessions() as session:
        placements = await repository.placements_for(session, account_id)
    assert [(p.agency_id, p.status) for p in placements] == [
        ("acme", "recalled"), ("zenith", "recalled"), ("internal", "placed"),
    ]  # fmt: skip
    assert placements[0].recall_reason == f"no payment in {recall_days} days"


async def test_a_recall_by_operations_brings_the_account_to_the_internal_desk(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_past_referral(env, queue, sessions)
        await eventually(lambda: status_of(handle), lambda s: s.placements_made == 1)
        await handle.signal(AccountCollectionsWorkflow.recall_placement, RecallInput("creditor sells the debt"))
        desk = await eventually(lambda: status_of(handle), lambda s: s.placements_made == 2)
        await terminate_when_idle(handle)
    assert desk.placement is not None and desk.placement.startswith("#2 internal")
    async with sessions() as session:
        first, _ = await repository.placements_for(session, account_id)
    assert (first.status, first.recall_reason) == ("recalled", "creditor sells the debt")
