"""The NeedsAttention search attribute on the time-skipping server: set when a person is needed, cleared after."""

from __future__ import annotations

from datetime import timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.converter import decode_search_attributes
from temporalio.worker import Replayer

from domain import holds
from domain import workflow_contract as sa
from domain.messages import HoldOutcome, HoldReleaseInput
from domain.negotiation_messages import Offer, OfferKind, PendingApproval, PlanProposal
from tests.conftest import running_worker
from tests.support.accounts import eventually, terminate_when_idle
from tests.workflows.test_holds import attempts, start
from tests.workflows.test_negotiation_exits import BALANCE, LETTERS, start_negotiating
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

EXPIRY = timedelta(hours=LETTERS.negotiation.approval_expires_hours)


async def attention(handle: WorkflowHandle) -> list[str]:
    description = await handle.describe()
    return list(description.typed_search_attributes.get(sa.NEEDS_ATTENTION) or [])


async def attention_upserts(handle: WorkflowHandle) -> list[list[str]]:
    """Every value the history upserted for NeedsAttention, in order ([] for an unset)."""
    values = []
    async for event in handle.fetch_history_events():
        if event.event_type != EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            continue
        upserted = event.upsert_workflow_search_attributes_event_attributes.search_attributes
        if sa.NEEDS_ATTENTION.name in upserted.indexed_fields:
            decoded = decode_search_attributes(upserted).get(sa.NEEDS_ATTENTION.name, [])
            values.append([reason for reason in decoded if reason is not None])  # an unset decodes as [None]
    return values


async def test_a_pending_approval_needs_a_supervisor_until_it_expires_then_an_offer_is_needed(
    time_skipping_env, sessions
):
    env = time_skipping_env
    settlement = Offer(OfferKind.SETTLEMENT, BALANCE * 7 // 10, BALANCE * 3 // 10)
    now = await env.get_current_time()
    pending = PendingApproval(settlement, PlanProposal(settle_cents=settlement.total_cents), "supervisor", now, now)
    pending.expires_at = now + EXPIRY

    def with_pending(state):
        state.negotiation.pending = pending

    async with running_worker(env.client, sessions) as queue:
        handle, _ = await start_negotiating(env, queue, sessions, prepare=with_pending)
        waiting = await eventually(lambda: attention(handle), lambda found: found != [], what="the approval")
        await env.sleep(EXPIRY + timedelta(minutes=1))
        lapsed = await eventually(lambda: attention(handle), lambda found: found != ["approval"], what="expiry")
        await env.sleep(timedelta(days=2))  # daily reviews change nothing: no new upsert
        upserts = await attention_upserts(handle)
        await terminate_when_idle(handle)
        await Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner()).replay_workflow(
            await handle.fetch_history()
        )
    assert waiting == ["approval"]
    assert lapsed == ["offer"], "the approval lapsed: negotiating with nothing in play, someone should offer"
    assert upserts == [["approval"], ["offer"]], "one upsert per change, none while nothing changes"


async def test_a_dispute_needs_verification_until_it_is_released(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions)
        await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) == 1)
        before = await attention(handle)
        await handle.signal(AccountCollectionsWorkflow.place_hold, holds.dispute_hold("DSP-1", reason="not mine"))
        held = await eventually(lambda: attention(handle), lambda found: found != [], what="the dispute")
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("DSP-1", HoldOutcome.RESUME))
        released = await eventually(lambda: attention(handle), lambda found: found == [], what="the release")
        upserts = await attention_upserts(handle)
        await terminate_when_idle(handle)
    assert before == []
    assert held == ["verification"]
    assert released == [], "released: NeedsAttention is unset"
    assert upserts == [["verification"], []]
