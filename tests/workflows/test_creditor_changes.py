"""Creditor changes on the time-skipping server: new charges, credits, and the creditor's recall."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.creditor_messages import ChargeInput, CreditInput, CreditKind, CreditorRecallInput
from domain.messages import AccountSnapshot, AccountStatus, AccountWorkflowInput
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import creditor, repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from tests.workflows.test_referral import start_past_referral
from workflows.account import AccountCollectionsWorkflow

BALANCE = 50_000
PLAN = load_strategy("default").plan_for(segment="card", state="NY")


async def start_contacting(env: WorkflowEnvironment, queue: str, sessions) -> tuple[WorkflowHandle, str]:
    account_id = f"C{uuid.uuid4().hex[:8]}"
    due = (await env.get_current_time()).date() - timedelta(days=40)
    await add_account(sessions, account_id, balance_cents=BALANCE, due_date=due)
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", due.isoformat(), "card")
    handle = await env.client.start_workflow(
        AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, snapshot=snapshot, plan=PLAN),
        id=workflow_id_for(account_id), task_queue=queue,
    )  # fmt: skip
    return handle, account_id


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def test_a_charge_raises_the_balance_and_a_credit_lowers_it_each_once_per_reference(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_contacting(env, queue, sessions)
        charge = ChargeInput(12_500, "2026-01-05", "office visit", "V-1", entered_by="olive")
        await handle.signal("post_charge", charge)
        await handle.signal("post_charge", charge)  # the creditor's file sent twice
        await eventually(lambda: status_of(handle), lambda s: s.balance_cents == BALANCE + 12_500)
        credit = CreditInput(4_000, CreditKind.INSURANCE, "EOB-77", entered_by="olive")
        await handle.signal("post_credit", credit)
        await handle.signal("post_credit", credit)
        after = await eventually(lambda: status_of(handle), lambda s: s.balance_cents == BALANCE + 8_500)
        await env.sleep(timedelta(hours=1))
        settled = await status_of(handle)
        await terminate_when_idle(handle)
    assert after.stage == settled.stage == Stage.CONTACTING and settled.balance_cents == BALANCE + 8_500
    async with sessions() as session:
        entries = await creditor.creditor_entries_for(session, account_id)
        account = await repository.get_account(session, account_id)
        trail = await repository.audit_trail(session, account_id)
    assert [(e.kind, e.amount_cents, e.entered_by) for e in entries] == [
        ("charge", 12_500, "olive"), ("insurance", -4_000, "olive"),
    ]  # fmt: skip
    assert account is not None and account.balance_cents == BALANCE + 8_500
    audited = [(e.action, e.actor) for e in trail if e.action.startswith("creditor.")]
    assert audited == [("creditor.charged", "olive"), ("creditor.credited", "olive")]
    assert all("office visit" not in str(e.detail) for e in trail), "no service line in the audit log"


async def test_a_credit_past_the_balance_leaves_a_credit_balance_and_closes_the_account_paid(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_contacting(env, queue, sessions)
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.CONTACTING)
        await handle.signal("post_credit", CreditInput(BALANCE + 2_000, CreditKind.CONTRACTUAL_ALLOWANCE, "CA-1"))
        result = await handle.result()
    assert (result.stage, result.balance_cents) == (Stage.PAID, -2_000)
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
    assert account is not None and account.balance_cents == -2_000 and account.stage == Stage.PAID


async def test_a_creditor_recall_during_a_placement_recalls_it_and_ends_the_account_recalled(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_past_referral(env, queue, sessions)
        await eventually(lambda: status_of(handle), lambda s: s.placement is not None)
        await handle.signal("creditor_recall", CreditorRecallInput("creditor closed the account", entered_by="olive"))
        result = await handle.result()
    assert result.stage == Stage.RECALLED
    async with sessions() as session:
        placements = await repository.placements_for(session, account_id)
        account = await repository.get_account(session, account_id)
        attempts = await repository.attempts_for(session, account_id)
    assert [(p.agency_id, p.status, p.recall_reason) for p in placements] == [
        ("acme", "recalled", "creditor recall: creditor closed the account"),
    ]  # fmt: skip
    assert account is not None and account.stage == Stage.RECALLED
    assert attempts == [], "a referred account is not contacted in-house, nor after the recall"


async def test_a_creditor_recall_with_no_placement_stops_contact_at_once(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_contacting(env, queue, sessions)
        await eventually(lambda: status_of(handle), lambda s: s.attempts_count >= 1)
        await handle.signal("creditor_recall", CreditorRecallInput("paid the creditor directly"))
        result = await handle.result()
        async with sessions() as session:
            before = len(await repository.attempts_for(session, account_id))
        await env.sleep(timedelta(days=30))
    async with sessions() as session:
        after = len(await repository.attempts_for(session, account_id))
    assert result.stage == Stage.RECALLED and before == after
