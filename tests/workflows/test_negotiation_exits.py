"""Leaving negotiation without a plan, on the time-skipping server: no news sends the account back to its
cadence; too many broken promises refer it. And a dispute answered before any validation notice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain import holds, lifecycle
from domain.contact import Channel
from domain.messages import (
    AccountSnapshot,
    AccountState,
    AccountStatus,
    AccountWorkflowInput,
    HoldOutcome,
    HoldReleaseInput,
)
from domain.negotiation_messages import PromiseInput
from domain.stages import Stage
from domain.strategy import CadenceStep, ContactPlan, ExitThresholds
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from tests.workflows.test_plans import pay
from workflows.account import AccountCollectionsWorkflow

BALANCE = 60_000
DEFAULT = load_strategy("default").plan_for(segment="card", state="NY")
# The notice, then a reminder letter a minute later, then nothing: no threshold refers the account.
LETTERS = replace(
    DEFAULT,
    cadence=[
        CadenceStep(Channel.LETTER, "validation_notice", 0, anchor="start", validation_notice=True),
        CadenceStep(Channel.LETTER, "reminder", 60),
    ],
    exit=ExitThresholds(right_party_contact=Stage.NEGOTIATING),
)
STALL = timedelta(days=DEFAULT.negotiation.stall_days)


async def start_negotiating(
    env: WorkflowEnvironment, queue: str, sessions, *, prepare: Callable[[AccountState], None] | None = None
) -> tuple[WorkflowHandle, str]:
    """An account that had its validation notice and a right-party contact: negotiating, nothing in play
    (unless `prepare` puts something in its state before it starts)."""
    account_id = f"N{uuid.uuid4().hex[:8]}"
    now = await env.get_current_time()
    due = now.date() - timedelta(days=30)
    await add_account(sessions, account_id, balance_cents=BALANCE, due_date=due)
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", due.isoformat(), "card")
    state = lifecycle.new_account_state(snapshot, now, LETTERS)
    state.stage = state.resume_stage = Stage.NEGOTIATING
    state.stage_changes = 1
    progress = state.contact
    progress.validation_notice_sent_at = progress.last_step_at = progress.right_party_contact_at = now
    progress.step_index = 1
    if prepare is not None:
        prepare(state)
    handle = await env.client.start_workflow(
        AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, state=state),
        id=workflow_id_for(account_id), task_queue=queue,
    )  # fmt: skip
    return handle, account_id


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def promises(sessions, account_id: str) -> list:
    async with sessions() as session:
        return await repository.promises_for(session, account_id)


async def templates_sent(sessions, account_id: str) -> list[str]:
    async with sessions() as session:
        return [a.template for a in await repository.attempts_for(session, account_id) if a.status == "sent"]


async def test_a_negotiation_without_news_goes_back_to_the_cadence_and_each_event_restarts_the_wait(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_negotiating(env, queue, sessions)
        await env.sleep(timedelta(days=7))
        await pay(handle, 1_000, "SMALL-1")  # the debtor is still engaging: the wait starts again
        await eventually(lambda: status_of(handle), lambda s: s.payments_count == 1)
        await env.sleep(STALL - timedelta(days=1))
        still = await status_of(handle)
        sent_while_negotiating = await templates_sent(sessions, account_id)
        await env.sleep(timedelta(days=2))
        back = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.CONTACTING)
        sent = await eventually(lambda: templates_sent(sessions, account_id), lambda found: "reminder" in found)
        await terminate_when_idle(handle)
    assert still.stage == Stage.NEGOTIATING, f"{STALL.days - 1} days after the payment it still negotiates"
    assert sent_while_negotiating == [], "no cadence contact while negotiating"
    assert sent == ["reminder"], "back in the cadence, its next step goes out"
    assert back.balance_cents == BALANCE - 1_000


async def test_the_second_broken_promise_refers_the_account(time_skipping_env, sessions):
    env = time_skipping_env
    grace = DEFAULT.negotiation.grace_days
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_negotiating(env, queue, sessions)
        for number in (1, 2):
            today = (await env.get_current_time()).date()
            promise = PromiseInput(10_000, (today + timedelta(days=3)).isoformat())
            await handle.signal(AccountCollectionsWorkflow.promise_to_pay, promise)
            await eventually(lambda: promises(sessions, account_id), lambda found, n=number: len(found) == n)
            await env.sleep(timedelta(days=3 + grace + 2))
            if number == 1:
                after_first = await eventually(lambda: status_of(handle), lambda s: s.promises_broken == 1)
        referred = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.REFERRED)
        await terminate_when_idle(handle)
    assert after_first.stage == Stage.NEGOTIATING, "one broken promise: still negotiating"
    assert referred.promises_broken == DEFAULT.negotiation.max_broken_promises == 2


async def test_a_dispute_verified_before_any_validation_notice_sends_the_verification_then_the_notice_once_lifted(
    time_skipping_env, sessions
):
    """1006.38(d)(2)(i): collection stops until the verification is sent, so nothing but the verification goes
    out during the hold; the notice follows once it is lifted (1006.34(a)(1)(i)(B)). Before, the notice went
    out during the hold, a moment before the verification (the independent checker found it in a 1000-account run)."""
    env = time_skipping_env
    notice_tomorrow: ContactPlan = replace(
        LETTERS,
        cadence=[
            CadenceStep(Channel.LETTER, "validation_notice", 86_400, anchor="start", validation_notice=True),
            CadenceStep(Channel.LETTER, "reminder", 60),
        ],
    )
    account_id = f"V{uuid.uuid4().hex[:8]}"
    due = (await env.get_current_time()).date() - timedelta(days=30)
    await add_account(sessions, account_id, balance_cents=BALANCE, due_date=due)
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", due.isoformat(), "card")
    async with running_worker(env.client, sessions) as queue:
        handle = await env.client.start_workflow(
            AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, snapshot=snapshot, plan=notice_tomorrow),
            id=workflow_id_for(account_id), task_queue=queue,
        )  # fmt: skip
        await handle.signal(AccountCollectionsWorkflow.place_hold, holds.dispute_hold("DSP-0", reason="not mine"))
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("DSP-0", HoldOutcome.VERIFIED))
        await env.sleep(timedelta(days=2))
        sent = await eventually(lambda: templates_sent(sessions, account_id), lambda found: len(found) >= 3)
        await terminate_when_idle(handle)
    assert sent == ["verification", "validation_notice", "reminder"], (
        "the verification, then the notice once; then the cadence"
    )
