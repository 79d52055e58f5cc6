"""Calls a collector places by hand from the desk: the gate's answer before dialling, and the call recorded.

The answer comes from the account's workflow (the `next_call` query, domain/call_gate.py) so it is the
gate's own, from the workflow's contact history. Recording a call asks again: a call the gate does not
allow now is refused and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain.call_gate import CallGate, CallGateQuestion, describe
from domain.contact import Channel, Outcome
from domain.workflow_contract import NEXT_CALL_QUERY, workflow_id_for
from ops.account_workflows import require_open_account, send_inbound
from ops.contact_updates import point_named
from ops.context import OpsContext
from ops.errors import OpsError, engine_busy


@dataclass(frozen=True)
class CallAnswer:
    gate: CallGate | None
    """None when the account has no running workflow to ask."""
    text: str


async def next_call(ctx: OpsContext, account_id: str, *, point_id: int | None = None) -> CallAnswer:
    """The gate's answer for a call placed now (at `point_id`, else at any of the account's phones)."""
    now = datetime.now(UTC)
    handle = ctx.client.get_workflow_handle(workflow_id_for(account_id))
    try:
        gate = await handle.query(
            NEXT_CALL_QUERY, CallGateQuestion(now, point_id), result_type=CallGate, rpc_timeout=timedelta(seconds=10)
        )
    except RPCError as err:
        if busy := engine_busy(err, account_id):
            raise busy from None
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        return CallAnswer(None, "no calls: the account has no running workflow")
    except WorkflowQueryFailedError:
        return CallAnswer(None, "no calls: the account's workflow did not answer")
    return CallAnswer(gate, describe(gate, now))


async def place_call(ctx: OpsContext, account_id: str, *, phone: str, outcome: Outcome, actor: str) -> str:
    """Record a call `actor` placed to the account's `phone` ('#3', '3' or the number) and what came of it:
    refused, nothing recorded, unless the gate allows a call to that number now."""
    await require_open_account(ctx, account_id)
    point = await point_named(ctx, account_id, phone, "phone")
    answer = await next_call(ctx, account_id, point_id=point.contact_point_id)
    if answer.gate is None or not answer.gate.allowed_now:
        raise OpsError(f"{answer.text}: the call is not recorded")
    return await send_inbound(
        ctx, account_id, channel=Channel.CALL, outcome=outcome, point=point.value, placed_by=actor
    )
