"""Contacts the consumer starts, on the time-skipping server: what they change in the cadence.

1006.14(b)(2)(i)(B): no call within 7 days after a telephone conversation about the debt, whoever
placed the call; 1006.14(b)(3)(i): prior consent given directly to the collector frees calls for 7 days.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.contact import Channel, Outcome
from domain.inbound import InboundContactInput
from domain.messages import AccountSnapshot, AccountStatus, AccountWorkflowInput
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

NEW_YORK = ZoneInfo("America/New_York")
RECENTLY_DUE = (datetime.now(UTC) - timedelta(days=10)).date()


@pytest.fixture
async def account_id(sessions) -> str:
    account_id = f"I{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, due_date=RECENTLY_DUE)
    return account_id


async def start(env: WorkflowEnvironment, queue: str, account_id: str) -> WorkflowHandle:
    plan = load_strategy("default").plan_for(segment="card", state="NY")
    snapshot = AccountSnapshot(account_id, 50_000, "USD", RECENTLY_DUE.isoformat(), "card")
    return await env.client.start_workflow(
        AccountCollectionsWorkflow.run,
        AccountWorkflowInput(account_id, snapshot=snapshot, plan=plan),
        id=workflow_id_for(account_id),
        task_queue=queue,
    )


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def attempts(sessions, account_id: str) -> list:
    async with sessions() as session:
        return await repository.attempts_for(session, account_id)


async def first_call_after_inbound(env, sessions, account_id, *, consent: bool) -> tuple[datetime, list, AccountStatus]:
    """Start the cadence (letter now, email in 2 days, the first call 4 days after that); a day in, the
    consumer calls and the call becomes a conversation (refused: no right-party exit). The time of
    that conversation, every attempt after 14 days, and the status the day after the conversation."""
    async with running_worker(env.client, sessions) as queue:
        handle = await start(env, queue, account_id)
        await eventually(lambda: status_of(handle), lambda s: s.attempts_count == 1, what="the validation notice")
        await env.sleep(timedelta(days=1))
        talked_at = await env.get_current_time()
        contact = InboundContactInput("call-1", Channel.CALL, Outcome.REFUSED, talked_at, consent_to_calls=consent)
        await handle.signal(AccountCollectionsWorkflow.inbound_contact, contact)
        await handle.signal(AccountCollectionsWorkflow.inbound_contact, contact)  # delivered twice: recorded once
        await eventually(
            lambda: attempts(sessions, account_id), lambda rows: any(a.inbound for a in rows), what="the inbound row"
        )
        await env.sleep(timedelta(days=1))
        next_day = await status_of(handle)
        await env.sleep(timedelta(days=13))
        made = await eventually(
            lambda: attempts(sessions, account_id),
            lambda rows: any(a.channel == "call" and a.status == "sent" for a in rows),
            what="the first call",
        )
        await terminate_when_idle(handle)
        replayer = Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner())
        await replayer.replay_workflow(await handle.fetch_history())  # the signal replays deterministically
    return talked_at, made, next_day


async def test_an_inbound_conversation_delays_the_next_call_by_seven_local_days_1006_14_b_2_i_B(
    time_skipping_env, sessions, account_id
):
    """1006.14(b)(2)(i)(B): the consumer placed the call; the quiet period follows it all the same."""
    talked_at, made, next_day = await first_call_after_inbound(time_skipping_env, sessions, account_id, consent=False)
    first_call = min(a.at for a in made if a.channel == "call" and a.status == "sent")
    waited = first_call.astimezone(NEW_YORK).date() - talked_at.astimezone(NEW_YORK).date()
    assert waited >= timedelta(days=7), f"the first call came {waited.days} local days after the conversation"
    assert next_day.stage == Stage.CONTACTING
    inbound = [a for a in made if a.inbound]
    assert len(inbound) == 1, "the same inbound contact delivered twice is stored once"
    assert (inbound[0].channel, inbound[0].status, inbound[0].outcome) == ("call", "received", "refused")
    held = [a for a in made if a.channel == "call" and a.status == "blocked"]
    assert [a.rule for a in held] == ["conversation_quiet_period"], "the wait is recorded once, with its rule"
    numbers = [a.attempt_no for a in made]
    assert len(numbers) == len(set(numbers)), "inbound and outbound rows never share a number"


async def test_prior_consent_to_calls_lets_the_cadence_call_inside_the_quiet_period_1006_14_b_3_i(
    time_skipping_env, sessions, account_id
):
    """1006.14(b)(3)(i): a call placed with the consumer's prior consent given directly to the collector
    within the last 7 days is not held by the quiet period: the cadence's first call keeps its day."""
    talked_at, made, _ = await first_call_after_inbound(time_skipping_env, sessions, account_id, consent=True)
    first_call = min(a.at for a in made if a.channel == "call" and a.status == "sent")
    waited = first_call.astimezone(NEW_YORK).date() - talked_at.astimezone(NEW_YORK).date()
    assert waited < timedelta(days=7), "with consent the call did not wait out the quiet period"
    assert [a for a in made if a.inbound][0].consent_to_calls
