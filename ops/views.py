"""What supervisors look at: one account's status, accounts by stage, counts by stage."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from domain import workflow_contract as sa
from domain.lifecycle import days_past_due
from domain.messages import AccountStatus, HoldKind
from domain.rule_packs import rules_summary
from domain.stages import Stage
from domain.timezones import zone_info
from domain.workflow_contract import STATUS_QUERY, WORKFLOW_TYPE, workflow_id_for
from ops.account_workflows import require_account
from ops.context import OpsContext
from store import repository
from store.contacts import jurisdictions_of_account
from store.views import AccountView, ContactPointView

WORKFLOW_TYPE_QUERY = f"WorkflowType = '{WORKFLOW_TYPE}'"


QUERY_TIMEOUT = timedelta(seconds=10)


async def account_status(ctx: OpsContext, account_id: str) -> dict[str, Any]:
    """The live workflow's answer while it runs; the store's record once it has ended or before it starts; with
    `debtor_zones`, every zone the debtor may be in (`store.contacts.debtor_zones`, 1006.6(b)(1)(i)), and the
    contact points (retired and bad ones marked, never left out)."""
    status = await _live_or_stored_status(ctx, account_id)
    async with ctx.sessions() as session:
        status["debtor_zones"] = list(await repository.debtor_zones(session, account_id))
        status["rules"] = rules_summary(await jurisdictions_of_account(session, account_id))  # domain/rule_packs.py
        points = await repository.contact_points_for(session, account_id)
    status["contact_points"] = [point_record(point) for point in points]
    return status


def point_record(point: ContactPointView) -> dict[str, Any]:
    """A contact point as `status` shows it (retired and bad ones too, marked): times as ISO text."""
    record = {"point": point.contact_point_id, **dataclasses.asdict(point)}
    for name in ("opted_out_at", "bad_at", "consent_sms_at", "consent_autodialer_at", "retired_at", "created_at"):
        if record.get(name) is not None:
            record[name] = record[name].astimezone(UTC).isoformat()
    for name in ("contact_point_id", "account_id", "timezone"):
        record.pop(name, None)
    return record


async def _live_or_stored_status(ctx: OpsContext, account_id: str) -> dict[str, Any]:
    account = await require_account(ctx, account_id)
    handle = ctx.client.get_workflow_handle(workflow_id_for(account_id))
    try:
        description = await handle.describe()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        return _store_status(account, workflow_status=None)
    if description.status != WorkflowExecutionStatus.RUNNING:
        return _store_status(account, workflow_status=description.status.name.lower() if description.status else None)
    try:
        status = await handle.query(STATUS_QUERY, result_type=AccountStatus, rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError) as err:
        return _store_status(account, workflow_status=f"running, not answering ({err}); is a worker running?")
    return {"source": "workflow", **dataclasses.asdict(status)}


def _store_status(account: AccountView, *, workflow_status: str | None) -> dict[str, Any]:
    return {
        "source": "store",
        "account_id": account.account_id,
        "stage": account.stage.value if account.stage else "not_started",
        "balance_cents": account.balance_cents,
        "currency": account.currency,
        "days_past_due": days_past_due(account.due_date.isoformat(), datetime.now(UTC)),
        "next_action": None if account.stage else "start the workflow",
        "payments_count": account.payments_count,
        "forgiven_cents": account.forgiven_cents,
        "written_off_cents": account.written_off_cents,
        "workflow_status": workflow_status,
    }


async def account_offers(ctx: OpsContext, account_id: str) -> tuple[AccountView, list[dict[str, Any]]]:
    """The account and the offers it qualifies for; none once it is closed (an unknown account is refused)."""
    from ops.negotiation import offers

    account = await require_account(ctx, account_id)
    if account.stage is not None and account.stage.is_terminal:
        return account, []
    return account, await offers(ctx, account_id)


def checked_member(kind: type[StrEnum], value: str, what: str) -> str:
    """`value` if it names a member of `kind` (so it may go into a query), else a one-line ValueError."""
    if value not in {member.value for member in kind}:
        raise ValueError(f"unknown {what} {value!r}; one of: {', '.join(member.value for member in kind)}")
    return value


def stage_query(stage: str | None, hold: str | None = None) -> str:
    """A visibility query for the account workflows, by stage and by hold kind when given (both checked)."""
    query = WORKFLOW_TYPE_QUERY
    if stage is not None:
        query += f" AND {sa.STAGE.name} = '{checked_member(Stage, stage, 'stage')}'"
    if hold is not None:
        query += f" AND {sa.HOLD_KIND.name} = '{checked_member(HoldKind, hold, 'hold')}'"
    return query


async def list_accounts(
    ctx: OpsContext, *, stage: str | None, limit: int, hold: str | None = None
) -> list[dict[str, Any]]:
    rows = []
    async for execution in ctx.client.list_workflows(stage_query(stage, hold), limit=limit):
        attributes = execution.typed_search_attributes
        rows.append(
            {
                "account_id": execution.id.removeprefix("account-"),
                "stage": attributes.get(sa.STAGE),
                "balance_cents": attributes.get(sa.BALANCE_CENTS),
                "due_date": due.date().isoformat() if (due := attributes.get(sa.DUE_DATE)) else None,
                "hold": attributes.get(sa.HOLD_KIND) or None,
                "segment": attributes.get(sa.SEGMENT),
                "workflow_status": execution.status.name.lower() if execution.status else None,
            }
        )
    return rows


async def stage_counts(ctx: OpsContext) -> dict[str, int]:
    counts = {}
    for stage in Stage:
        result = await ctx.client.count_workflows(stage_query(stage.value))
        counts[stage.value] = result.count
    return counts


async def hold_counts(ctx: OpsContext) -> dict[str, int]:
    """Running accounts on each kind of hold (the newest hold of each account)."""
    running = " AND ExecutionStatus = 'Running'"
    return {
        kind.value: (await ctx.client.count_workflows(stage_query(None, kind.value) + running)).count
        for kind in HoldKind
    }


async def contact_attempts(ctx: OpsContext, account_id: str | None) -> list[dict[str, Any]]:
    """Sent and blocked contact attempts, oldest first: one account's, or every account's."""
    if account_id is not None:
        await require_account(ctx, account_id)
    async with ctx.sessions() as session:
        attempts = await repository.attempts_for(session, account_id)
        zones = await repository.attempt_zones(session, attempts)
    return [
        {
            **({"account_id": a.account_id} if account_id is None else {}),
            "attempt": a.attempt_no,
            "channel": a.channel,
            "template": a.template,
            "at": a.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "local_at": a.local_at,
            "zone": zones[(a.account_id, a.attempt_no)],
            "status": a.status.value if a.status in ("blocked", "received") else "sent",
            "direction": "inbound" if a.inbound else "outbound",
            "consent_to_calls": a.consent_to_calls,
            "delivery": a.status,
            "outcome": a.outcome,
            "reason": a.rule,
        }
        for a in attempts
    ]


def local_time(local_at: str, zone: str | None) -> str:
    """A recorded local time for people, with its zone's name: '2026-12-07 09:14 America/Chicago'.

    The zone is the one the store recorded the time in (`repository.attempt_zones`); a time whose offset
    the zone does not have (the point's zone changed since) is shown with its offset instead."""
    try:
        moment = datetime.fromisoformat(local_at)
    except ValueError:
        return local_at
    shown = f"{moment:%Y-%m-%d %H:%M}"
    offset = moment.utcoffset()
    if offset is None:
        return f"{shown} UTC"
    named = zone_info(zone) if zone else None
    if named is not None and moment.astimezone(named).utcoffset() == offset:
        return f"{shown} {zone}"
    if offset == timedelta(0):
        return f"{shown} UTC"
    sign, minutes = ("-" if offset < timedelta(0) else "+"), abs(int(offset.total_seconds())) // 60
    return f"{shown} UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


async def contact_summary(ctx: OpsContext) -> list[str]:
    """One line per channel: how many contacts went out and how many the gate held back."""
    async with ctx.sessions() as session:
        attempts = await repository.attempts_for(session, None)
    counts: dict[str, Counter[str]] = {}
    for attempt in (a for a in attempts if not a.inbound):  # the consumer's own contacts are not attempts
        counts.setdefault(attempt.channel, Counter())["blocked" if attempt.status == "blocked" else "sent"] += 1
    return [f"{channel}: {c['sent']} sent, {c['blocked']} blocked by the gate" for channel, c in sorted(counts.items())]
