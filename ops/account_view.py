"""One account's full picture for a supervisor: the store's records, the live status and the workflow's timeline.

Everything as recorded: `ops.disclosed.picture_for` hands it to a caller as their role may see it (the
CLI's `show`, the dashboard's account page).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter, decode_search_attributes
from temporalio.service import RPCError, RPCStatusCode

from domain import workflow_contract as sa
from domain.messages import StageChangeInput
from domain.workflow_contract import workflow_id_for
from ops import views
from ops.account_workflows import require_account
from ops.context import OpsContext
from store import repository, reversals

STAGE_CHANGE_ACTIVITY = "record_stage_change"
_ENDINGS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "workflow completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "workflow failed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: "workflow timed out",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: "workflow cancelled",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: "continued as new (history kept bounded)",
}


async def account_picture(ctx: OpsContext, account_id: str) -> dict[str, Any]:
    """Everything known of the account: status, contact points, attempts, money, plans, holds, notes, timeline."""
    account = await require_account(ctx, account_id)
    async with ctx.sessions() as session:
        records: dict[str, Sequence[Any]] = {
            "contact_points": await repository.contact_points_for(session, account_id),
            "payments": await repository.payments_for(session, account_id),
            "plans": await repository.plans_for(session, account_id),
            "promises": await repository.promises_for(session, account_id),
            "holds": await repository.holds_for(session, account_id),
            "claims": await repository.claims_for(session, account_id),
            "placements": await repository.placements_for(session, account_id),
            "notes": await repository.notes_for(session, account_id),
        }
        returned = {r.payment_reference: r for r in await reversals.reversals_for(session, account_id)}
    histories = await run_histories(ctx.client, workflow_id_for(account_id))
    listed = {name: [dataclasses.asdict(record) for record in found] for name, found in records.items()}
    for payment in listed["payments"]:  # a reversed payment says so where it is listed
        r = returned.get(payment["reference"])
        why = ", ".join(x for x in (r.reason, r.return_code) if x) if r else ""
        payment["returned"] = f"{r.recorded_at.date().isoformat()} ({why})" if r else ""
    return {
        "account": dataclasses.asdict(account),
        "status": await views.account_status(ctx, account_id),
        "attempts": await views.contact_attempts(ctx, account_id),
        **listed,
        "timeline": await timeline(histories, ctx.client.data_converter),
    }


async def run_histories(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """The histories of the latest run and of the runs it continued from, oldest first ([] if it never ran).

    A run the server no longer keeps (past the namespace's retention) ends the chain.
    """
    histories: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        try:
            history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            return histories
        histories.insert(0, history)
        started = history.events[0].workflow_execution_started_event_attributes if history.events else None
        if started is None or not started.continued_execution_run_id:
            return histories
        run_id = started.continued_execution_run_id


async def timeline(histories: list[WorkflowHistory], converter: DataConverter) -> list[dict[str, Any]]:
    """One line per event that matters: starts, stage changes, signals, updates, timers, attention, endings."""
    lines: list[dict[str, Any]] = []
    for history in histories:
        timer_summaries: dict[str, str] = {}
        for event in history.events:
            what = await _describe(event, converter, timer_summaries)
            if what is not None:
                at = event.event_time.ToDatetime(tzinfo=UTC)
                lines.append({"at": at, "run_id": history.run_id, "what": what})
    return lines


LOCAL_ACTIVITY_MARKER = "core_local_activity"


def _stage_change(change: StageChangeInput) -> str:
    return f"stage {change.from_stage or 'none'} -> {change.to_stage} ({change.reason})"


def local_activity_type(event: HistoryEvent) -> str | None:
    """The activity a local-activity marker records (its `data` detail: the SDK core's JSON, in clear), or None."""
    marker = event.marker_recorded_event_attributes
    if marker.marker_name != LOCAL_ACTIVITY_MARKER or "data" not in marker.details:
        return None
    found = json.loads(marker.details["data"].payloads[0].data or b"{}").get("activity_type")
    return str(found) if found else None


async def _local_stage_change(event: HistoryEvent, converter: DataConverter) -> str | None:
    """A stage change recorded by a local activity: the marker's `result` is what the activity recorded."""
    details = event.marker_recorded_event_attributes.details
    if local_activity_type(event) != STAGE_CHANGE_ACTIVITY or "result" not in details:
        return None
    [change] = await converter.decode(details["result"].payloads, [StageChangeInput])
    return _stage_change(change)


async def _describe(event: HistoryEvent, converter: DataConverter, timer_summaries: dict[str, str]) -> str | None:
    match event.event_type:
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            continued = event.workflow_execution_started_event_attributes.continued_execution_run_id
            return "workflow started" + (f" (continuing run {continued})" if continued else "")
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name != STAGE_CHANGE_ACTIVITY:
                return None
            [change] = await converter.decode(scheduled.input.payloads, [StageChangeInput])
            return _stage_change(change)
        case EventType.EVENT_TYPE_MARKER_RECORDED:
            return await _local_stage_change(event, converter)
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            return f"signal {event.workflow_execution_signaled_event_attributes.signal_name}"
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            name = event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            return f"update {name} accepted"
        case EventType.EVENT_TYPE_TIMER_STARTED:
            if event.user_metadata.HasField("summary"):
                summary = await converter.decode([event.user_metadata.summary], [str])
                timer_summaries[event.timer_started_event_attributes.timer_id] = summary[0]
            return None
        case EventType.EVENT_TYPE_TIMER_FIRED:
            timer_id = event.timer_fired_event_attributes.timer_id
            return f"timer fired: {timer_summaries.get(timer_id, 'timer ' + timer_id)}"
        case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            upserted = event.upsert_workflow_search_attributes_event_attributes.search_attributes
            if sa.NEEDS_ATTENTION.name not in upserted.indexed_fields:
                return None
            reasons = [r for r in decode_search_attributes(upserted).get(sa.NEEDS_ATTENTION.name, []) if r]
            return f"needs attention: {', '.join(map(str, reasons))}" if reasons else "needs no attention"
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
            return f"workflow terminated: {event.workflow_execution_terminated_event_attributes.reason}"
        case _:
            return _ENDINGS.get(event.event_type)
