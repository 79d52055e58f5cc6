"""Write-downs under maker-checker: the one flow the CLI, the web API and the demo use to end a hold.

A release that writes a balance down (domain.authority) beyond the requester's authority is recorded as
a pending write-down and nothing is sent; a supervisor other than the requester approves it (then the
release goes to the workflow, once) or declines it. Every step is in the account's audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import authority
from domain.messages import HoldOutcome, HoldReleaseInput
from domain.money import format_cents
from domain.negotiation_messages import ApprovalInput, ProposalAnswer
from ops import negotiation
from ops.account_workflows import open_hold, require_open_account, send_hold_release
from ops.context import OpsContext
from ops.errors import NotAllowed, OpsError
from service.tokens import Caller
from store import repository
from store import write_downs as store
from store.audit import append_audit
from store.views import AuditEntryView
from store.write_downs import WriteDownView

MAX_REASON = 200


def what(found: WriteDownView) -> str:
    """'$107.00 (dispute upheld)'."""
    return f"{format_cents(found.amount_cents)} ({authority.WRITE_DOWNS[HoldOutcome(found.outcome)]})"


def waiting_line(found: WriteDownView) -> str:
    return (
        f"waiting for a supervisor's approval: write-down #{found.number}, {what(found)} on account {found.account_id}"
    )


async def release_hold(ctx: OpsContext, account_id: str, release: HoldReleaseInput, requester: Caller) -> str:
    """End a hold as `requester`: sent at once, or (a write-down beyond their authority) left for a supervisor."""
    account = await require_open_account(ctx, account_id)
    hold = await open_hold(ctx, account_id, release.kind, release.reference)
    disputed = hold.detail.get("disputed_cents")
    down = authority.write_down(
        release.outcome, balance_cents=account.balance_cents, disputed_cents=int(disputed) if disputed else None
    )
    exact = HoldReleaseInput(hold.reference, release.outcome)
    if down is None or not authority.needs_approval(requester.role, down.cents, ctx.settings.write_down_limit_cents):
        return await send_hold_release(ctx, account_id, exact)
    async with ctx.sessions() as session, session.begin():
        waiting = await store.pending_for_hold(session, account_id, hold.reference)
        if waiting is not None:
            return f"already {waiting_line(waiting)}, asked by {waiting.requested_by}; nothing changed"
        waiting = await store.request_write_down(
            session, account_id=account_id, hold_reference=hold.reference, outcome=release.outcome.value,
            amount_cents=down.cents, requested_by=requester.name, requested_role=requester.role,
            now=datetime.now(UTC),
        )  # fmt: skip
    return waiting_line(waiting)


async def list_write_downs(ctx: OpsContext, *, status: str | None = store.PENDING) -> list[WriteDownView]:
    async with ctx.sessions() as session:
        return await store.write_downs(session, status=status)


async def get_write_down(ctx: OpsContext, number: int) -> WriteDownView:
    async with ctx.sessions() as session:
        found = await store.get_write_down(session, number)
    if found is None:
        raise OpsError(f"no write-down #{number}: nothing changed")
    return found


def checked_reason(reason: str | None, *, required: bool) -> str | None:
    """A decision's reason, trimmed (None when blank): at most MAX_REASON printable characters; `required`
    (a decline): there must be one."""
    reason = (reason or "").strip() or None
    if required and reason is None:
        raise OpsError("a decline needs a reason: nothing changed")
    if reason is not None and (len(reason) > MAX_REASON or not reason.isprintable()):
        raise OpsError(f"a reason is at most {MAX_REASON} printable characters: nothing changed")
    return reason


async def decide(ctx: OpsContext, number: int, approver: Caller, *, approve: bool, reason: str | None = None) -> str:
    """A supervisor other than the requester approves (the release is sent, once) or declines (with a reason)."""
    reason = checked_reason(reason, required=not approve)
    found = await get_write_down(ctx, number)
    if found.status != store.PENDING:
        raise OpsError(f"write-down #{number} was already {found.status} by {found.decided_by}: nothing changed")
    if problem := authority.approval_problem(
        requested_by=found.requested_by, approver=approver.name, approver_role=approver.role
    ):
        raise NotAllowed(f"{problem}: nothing changed")
    now = datetime.now(UTC)
    status = store.APPROVED if approve else store.DECLINED
    async with ctx.sessions() as session, session.begin():
        if not await store.claim_decision(session, number, status=status, by=approver.name, now=now, reason=reason):
            raise OpsError(f"write-down #{number} was decided by someone else a moment ago: nothing changed")
        if not approve:
            await _audit(session, found, approver, "write_down.declined", {"reason": reason}, now)
    if not approve:
        return f"write-down #{number} declined by {approver.name} (asked by {found.requested_by}): nothing written down"
    try:
        sent = await send_hold_release(
            ctx, found.account_id, HoldReleaseInput(found.hold_reference, HoldOutcome(found.outcome))
        )
    except BaseException:
        async with ctx.sessions() as session, session.begin():
            await store.reopen(session, number)
        raise
    async with ctx.sessions() as session, session.begin():
        await _audit(session, found, approver, "write_down.approved", {"result": sent}, now)
    return f"write-down #{number} approved by {approver.name} (asked by {found.requested_by}): {what(found)}; {sent}"


async def _audit(
    session: AsyncSession, found: WriteDownView, approver: Caller, action: str, detail: dict[str, Any], now: datetime
) -> None:
    await append_audit(
        session, account_id=found.account_id, action=action, actor=approver.name, now=now,
        detail={"write_down": found.number, "requested_by": found.requested_by, "role": approver.role,
                "amount_cents": found.amount_cents, "outcome": found.outcome, **detail},
    )  # fmt: skip


async def decide_settlement(
    ctx: OpsContext, account_id: str, approver: Caller, *, approve: bool, reason: str | None = None
) -> ProposalAnswer:
    """Decide the proposal awaiting approval under the approver's configured role's limit; never by the one
    who put it forward, when the engine knows who did (their `request.propose` in the audit log). A decline
    needs a reason, checked as a write-down's; it goes with the decision."""
    note = checked_reason(reason, required=not approve) or ""
    proposer = await proposed_by(ctx, account_id)
    if proposer is not None and authority.same_person(proposer.actor, approver.name):
        raise NotAllowed(f"{approver.name} put this proposal forward: another supervisor decides it; nothing changed")
    return await negotiation.decide(ctx, account_id, ApprovalInput(approver.name, approver.role, approve, note))


async def proposed_by(ctx: OpsContext, account_id: str) -> AuditEntryView | None:
    """The latest `request.propose` on the account: who put its proposal forward, and when (None: not known)."""
    async with ctx.sessions() as session:
        proposals = [e for e in await repository.audit_trail(session, account_id) if e.action == "request.propose"]
    return proposals[-1] if proposals else None


def as_dict(found: WriteDownView) -> dict[str, Any]:
    return {
        "number": found.number, "account_id": found.account_id, "hold_reference": found.hold_reference,
        "outcome": found.outcome, "what": authority.WRITE_DOWNS[HoldOutcome(found.outcome)],
        "amount_cents": found.amount_cents, "requested_by": found.requested_by,
        "requested_role": found.requested_role, "requested_at": found.requested_at.isoformat(),
        "status": found.status, "decided_by": found.decided_by,
        "decided_at": None if found.decided_at is None else found.decided_at.isoformat(),
        "decline_reason": found.decline_reason,
    }  # fmt: skip
