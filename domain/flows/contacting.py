"""The `contacting` stage: work the account through its cadence, every contact cleared by the gate.

Returns the stage to go to once the account passes an exit threshold (domain.cadence.exit_stage). Closed by
the machine when a hold, a closing or an event moves the account elsewhere; started again, it continues from
`state.contact`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import cadence
from domain.commands import Context, Flow, Wait
from domain.flows import sending
from domain.lifecycle import next_review_at
from domain.stages import Stage


def contacting(ctx: Context) -> Flow[Stage]:
    state = ctx.state
    plan, progress = state.plan, state.contact
    if plan is None:  # started without a strategy: nothing may be sent
        return (yield from review(ctx))
    yield from sending.contacts(ctx)
    while (leave_for := cadence.exit_stage(plan, progress, due_date=state.due_date, now=ctx.now())) is None:
        cadence.pass_sent_notice(plan, progress)
        assert state.contacts is not None
        decision = cadence.decide_contact(
            plan, progress, state.contacts, started_at=state.opened_at, due_date=state.due_date, now=ctx.now()
        )
        if cadence.needs_blocked_record(progress, decision):
            yield from sending.record_blocked(ctx, decision, advance=True)
        elif decision.kind == cadence.DecisionKind.SEND:
            yield from sending.send(ctx, decision, advance=True)
        else:
            referral_at = cadence.referral_due_at(plan, progress, state.due_date)
            wake_times = [t for t in (decision.at, referral_at) if t]
            wake_at: datetime | None = min(wake_times) if wake_times else None
            state.next_action, state.next_action_at = describe(decision), wake_at
            yield Wait(wake_at, "next contact")
    return leave_for


def review(ctx: Context) -> Flow[Any]:
    """A stage with nothing to do but a daily review of the account; ends only when the machine moves on."""
    state = ctx.state
    while True:
        state.next_action = f"review ({state.stage})"
        state.next_action_at = next_review_at(ctx.now())
        yield Wait(state.next_action_at, "daily review")


def describe(decision: cadence.ContactDecision) -> str:
    if decision.kind == cadence.DecisionKind.HALT:
        return "no contact: the debtor asked to cease communication"
    if decision.kind == cadence.DecisionKind.DONE:
        return "cadence complete: waiting for a threshold or an event"
    assert decision.step is not None
    what = f"{decision.step.channel} ({decision.step.template})"
    return f"{what}, held by {decision.rule}" if decision.rule else what
