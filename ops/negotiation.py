"""Offers, proposals, approvals and promises: answers come back at once from the account's workflow."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import (
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from domain import negotiation, validation
from domain.messages import AccountStatus
from domain.money import format_cents
from domain.negotiation import NegotiationPolicy
from domain.negotiation_messages import ApprovalInput, PlanProposal, PromiseInput, ProposalAnswer
from domain.strategy import StrategyError
from domain.workflow_contract import DECIDE_APPROVAL_UPDATE, PROPOSE_PLAN_UPDATE, STATUS_QUERY, workflow_id_for
from ops.account_workflows import refuse, require_open_account, send_running
from ops.context import OpsContext
from ops.errors import OpsError, engine_busy
from ops.strategies import load_strategy
from store.views import AccountView


def as_dict(answer: ProposalAnswer) -> dict[str, Any]:
    return dataclasses.asdict(answer)


async def account_policy(ctx: OpsContext, account: AccountView) -> NegotiationPolicy:
    """The negotiation policy the account's workflow applies: its own strategy's (the one it was started
    with, say `demo`), so the offers shown and the promises checked here are the ones its update
    validators accept; this process's strategy only when the workflow does not answer."""
    handle = ctx.client.get_workflow_handle(workflow_id_for(account.account_id))
    try:
        status = await handle.query(STATUS_QUERY, result_type=AccountStatus, rpc_timeout=timedelta(seconds=10))
        strategy = load_strategy(status.strategy.split()[0]) if status.strategy else ctx.strategy
    except (RPCError, WorkflowQueryFailedError, StrategyError):
        strategy = None
    if strategy is None:
        return ctx.plan_for(segment=account.segment, state=account.state).negotiation
    return strategy.plan_for(segment=account.segment, state=account.state).negotiation


async def offers(ctx: OpsContext, account_id: str) -> list[dict[str, Any]]:
    """What the account qualifies for under its workflow's policy, from its current balance."""
    account = await require_open_account(ctx, account_id)
    policy = await account_policy(ctx, account)
    found = negotiation.offers_for(account.balance_cents, policy, datetime.now(UTC).date())
    return [dataclasses.asdict(offer) for offer in found]


async def _update(ctx: OpsContext, account_id: str, update: str, argument: object) -> ProposalAnswer:
    await require_open_account(ctx, account_id)
    handle = ctx.client.get_workflow_handle(workflow_id_for(account_id))
    try:
        return await handle.execute_update(update, argument, result_type=ProposalAnswer)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        reason = getattr(cause, "message", None) or str(cause)
        raise OpsError(f"rejected: {reason}") from None
    except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as err:
        if busy := engine_busy(err, account_id):
            raise busy from None
        if not isinstance(err, RPCError) or err.status != RPCStatusCode.NOT_FOUND:
            raise
        raise OpsError(f"account {account_id} has no running workflow: start it first") from None


async def propose(ctx: OpsContext, account_id: str, proposal: PlanProposal) -> ProposalAnswer:
    refuse(validation.proposal_problem(proposal, maximum_cents=ctx.settings.max_payment_cents))
    return await _update(ctx, account_id, PROPOSE_PLAN_UPDATE, proposal)


async def decide(ctx: OpsContext, account_id: str, decision: ApprovalInput) -> ProposalAnswer:
    return await _update(ctx, account_id, DECIDE_APPROVAL_UPDATE, decision)


async def send_promise(ctx: OpsContext, account_id: str, promise: PromiseInput) -> str:
    account = await require_open_account(ctx, account_id)
    policy = await account_policy(ctx, account)
    today = datetime.now(UTC).date()
    refuse(validation.promise_problem(
        promise, account.balance_cents, today, policy, maximum_cents=ctx.settings.max_payment_cents
    ))  # fmt: skip
    await send_running(ctx, account_id, "promise_to_pay", promise)
    return f"promise of {format_cents(promise.amount_cents)} by {promise.due_date} sent to account {account_id}"
