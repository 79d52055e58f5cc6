"""The one send routine: every contact the machine makes (cadence, plan reminders, hold letters) goes through it.

The gate has already cleared the decision; the send activity checks the standing facts once more against the
store (a cease or an attorney recorded since) and may refuse. What happened is remembered in the contact
progress here, so no caller repeats it.
"""

from __future__ import annotations

from domain import cadence
from domain.commands import Context, Flow, Refused, call
from domain.compliance import validation_period_end
from domain.contact_messages import (
    AttemptStatus,
    ContactSnapshot,
    LoadContactSnapshotInput,
    RecordBlockedInput,
    SendContactInput,
)
from domain.strategy import CadenceStep


def contacts(ctx: Context) -> Flow[ContactSnapshot]:
    """The account's contact points and flags, loaded from the store once per run."""
    state = ctx.state
    if state.contacts is None:
        state.contacts = yield from call("load_contact_snapshot", LoadContactSnapshotInput(state.account_id))
    return state.contacts


def reload_contacts(ctx: Context) -> Flow[ContactSnapshot]:
    ctx.state.contacts = None
    return (yield from contacts(ctx))


def send(ctx: Context, decision: cadence.ContactDecision, *, advance: bool) -> Flow[cadence.ContactDecision | None]:
    """Send a decision the gate cleared; what happened (SEND, or SKIP with the store's rule), or None to ask
    the gate again (the activity failed). `advance`: the send is a cadence step (the cadence moves on)."""
    state, progress = ctx.state, ctx.state.contact
    assert decision.step is not None and decision.point is not None
    attempt_no, now = cadence.next_attempt_no(progress), ctx.now()
    period_end = validation_period_end(now).isoformat() if decision.step.validation_notice else None
    request = SendContactInput(
        state.account_id, attempt_no, decision.step.channel, decision.point.point_id,
        decision.step.template, decision.step.validation_notice, period_end, at=now,
    )  # fmt: skip
    result = yield from call("send_contact", request, refusable=True, local=False)
    if isinstance(result, Refused):
        ctx.log(f"attempt {attempt_no} not sent, the gate decides again: {result.message}")
        return None
    if result.status == AttemptStatus.BLOCKED:
        refused = cadence.ContactDecision(cadence.DecisionKind.SKIP, decision.step, decision.point, now, result.rule)
        _remember_blocked(ctx, refused, attempt_no, advance=advance)
        return refused
    if period_end is not None:
        progress.validation_period_end = period_end
    state.attempts_count += 1
    if advance and state.plan is not None:
        cadence.record_sent(state.plan, progress, decision, attempt_no=attempt_no, at=now)
    else:
        cadence.remember_sent(progress, decision, attempt_no=attempt_no, at=now)
    return decision


def record_blocked(ctx: Context, decision: cadence.ContactDecision, *, advance: bool) -> Flow[None]:
    """Record a contact the gate refused, and remember it."""
    assert decision.step is not None and decision.rule is not None
    attempt_no = cadence.next_attempt_no(ctx.state.contact)
    point_id = decision.point.point_id if decision.point else None
    yield from call(
        "record_blocked_attempt",
        RecordBlockedInput(ctx.state.account_id, attempt_no, decision.step.channel, point_id, decision.rule, ctx.now()),
    )
    _remember_blocked(ctx, decision, attempt_no, advance=advance)


def _remember_blocked(ctx: Context, decision: cadence.ContactDecision, attempt_no: int, *, advance: bool) -> None:
    state = ctx.state
    if advance and state.plan is not None:
        cadence.record_blocked(state.plan, state.contact, decision, attempt_no=attempt_no, at=ctx.now())
    else:
        cadence.remember_blocked(state.contact, decision, attempt_no=attempt_no, at=ctx.now())


def send_letter(ctx: Context, step: CadenceStep) -> Flow[bool]:
    """One letter outside the cadence (verification, a late validation notice) through the gate; whether sent."""
    state = ctx.state
    if state.plan is None:
        return False
    snapshot = yield from contacts(ctx)
    decision = cadence.clear_step(state.plan, state.contact, snapshot, step, ctx.now())
    happened = (yield from send(ctx, decision, advance=False)) if decision.kind == cadence.DecisionKind.SEND else None
    if happened is None or happened.kind != cadence.DecisionKind.SEND:
        ctx.log(f"{step.template} letter not sent: {(happened or decision).rule}")
        return False
    return True
