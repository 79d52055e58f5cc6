"""The account's state machine: every stage change, and what moves it, in this one file.

    contacting --(right-party contact, promise, proposal)--> negotiating --(plan agreed)--> on_plan
    contacting --(referral threshold)--> referred        negotiating --(stalled)--> contacting | referred
    on_plan --(broken)--> negotiating | referred         on_plan --(completed short)--> negotiating
    any working stage --(hold)--> on_hold --(released)--> the stage it left
    any --(balance paid, settled, hold outcome)--> paid | settled | closed | written_off | discharged
    any --(the creditor takes it back)--> recalled
    paid | settled --(a payment reversed: started again with its closing state)--> the stage it left

`life(ctx)` is the whole account as a generator of commands (domain/commands.py); the workflow and the
what-if engine interpret it alike. A stage's body (domain/flows/) returns the stage to go to next; events
arrive as the answer to a `Wait` and are handled here, between the body's steps. A body the account no
longer belongs in (a hold, a closing, an event that moved it) is closed at that point and never resumed:
it starts again from `state` when the account comes back, so `state` is all there is to carry over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain import lifecycle
from domain.commands import Call, Context, Event, Flow, Wait, call
from domain.creditor_messages import ChargeInput, CreditInput, CreditorRecallInput
from domain.flows import events, holding, negotiating, reversals
from domain.flows.contacting import contacting, review
from domain.flows.on_plan import completed_at_close, on_plan
from domain.flows.referred import referred
from domain.inbound import InboundContactInput
from domain.messages import (
    ContactOutcomeInput,
    ContactPreferenceChange,
    HoldInput,
    HoldReleaseInput,
    PaymentInput,
    ProbateInput,
    StageChangeInput,
)
from domain.negotiation_messages import ApprovalInput, PlanProposal, PromiseInput, ProposalDecision
from domain.referral_messages import RecallInput
from domain.reversal_messages import PaymentReversalInput
from domain.stages import Stage

BODIES: dict[Stage, Callable[[Context], Flow[Any]]] = {
    Stage.CONTACTING: contacting,
    Stage.NEGOTIATING: negotiating.negotiating,
    Stage.ON_PLAN: on_plan,
    Stage.REFERRED: referred,
}


def life(ctx: Context) -> Flow[Stage]:
    """Work the account until it closes; the closing stage. Resumes from `ctx.state` (a continued run)."""
    state = ctx.state
    if state.stage_changes == 0:
        yield from enter(ctx, state.resume_stage, "workflow started")
    reopened = (yield from reopen(ctx)) if state.stage.is_terminal else ""
    while (closing := lifecycle.closing_stage(state)) is None:
        if state.holds:
            if state.stage != Stage.ON_HOLD:
                top = state.holds[-1].kind
                yield from enter(ctx, Stage.ON_HOLD, f"hold: {top}", next_action="wait for the hold to end")
            yield from handle(ctx, (yield Wait(None, "on hold")))
            continue
        stage = state.resume_stage
        if state.stage != stage:
            reopening = f"reopened: {reopened}" if reopened else "reopened"
            reason = {Stage.ON_HOLD: "resumed"}.get(state.stage, reopening if state.stage.is_terminal else "stage")
            yield from enter(ctx, stage, reason)
        if (next_stage := (yield from work(ctx, stage))) is not None:
            move(ctx, next_stage)
    yield from enter(ctx, closing, "account closed")
    return closing


def reopen(ctx: Context) -> Flow[str]:
    """A closed account's state started again (ops.reversals): the event it came with, handled first; why."""
    arrived = yield Wait(None, "reopened")
    yield from handle(ctx, arrived)
    return "; ".join(reversals.describe(e.payload) for e in arrived if isinstance(e.payload, PaymentReversalInput))


def work(ctx: Context, stage: Stage) -> Flow[Stage | None]:
    """Run `stage`'s body until it returns the next stage, or until the account no longer belongs in it."""
    body = BODIES.get(stage, review)(ctx)
    answer: Any = None
    while True:
        try:
            command = body.send(answer)
        except StopIteration as done:
            return done.value
        answer = yield command
        if isinstance(command, Wait):
            yield from handle(ctx, answer)
        if not still_in(ctx, stage):
            body.close()
            return None


def still_in(ctx: Context, stage: Stage) -> bool:
    state = ctx.state
    return not state.holds and lifecycle.closing_stage(state) is None and state.resume_stage == stage


def move(ctx: Context, stage: Stage) -> None:
    """The one place the stage to work in changes (entering it is recorded by `enter`)."""
    ctx.state.resume_stage = stage


def enter(ctx: Context, stage: Stage, reason: str, *, next_action: str | None = None) -> Flow[None]:
    state = ctx.state
    previous = state.stage if state.stage_changes else None
    state.stage = stage
    state.next_action, state.next_action_at = next_action, None
    if stage.is_working:
        state.resume_stage = stage
    state.stage_changes += 1
    closing = StageChangeInput(state.account_id, previous, stage, state.stage_changes, reason, ctx.now())
    if stage.is_terminal:  # the store keeps the state and completes the plan: a reversed payment reopens both
        closing.completed_plan_no = completed_at_close(state)
        closing.closing_state = state
    yield from call("record_stage_change", closing)


def handle(ctx: Context, arrived: list[Event]) -> Flow[None]:
    """The events that arrived, in order; an update's answer is left on its event."""
    for event in arrived:
        event.answer = yield from _handle_one(ctx, event.payload)
        event.done = True


def _handle_one(ctx: Context, payload: Any) -> Flow[Any]:  # noqa: PLR0911 (one case per event)
    state = ctx.state
    match payload:
        case PaymentInput():
            yield from events.payment(ctx, payload)
        case PaymentReversalInput():
            if (yield from reversals.payment_reversal(ctx, payload)) and state.negotiation.plan is not None:
                move(ctx, Stage.ON_PLAN)
        case PlanProposal():
            answer = yield from negotiating.propose(ctx, payload)
            if answer.decision == ProposalDecision.ACCEPTED:
                move(ctx, Stage.ON_PLAN)
            elif answer.decision == ProposalDecision.PENDING_APPROVAL and state.resume_stage == Stage.CONTACTING:
                move(ctx, Stage.NEGOTIATING)
            return answer
        case ApprovalInput():
            answer = yield from negotiating.decide(ctx, payload)
            if answer.decision == ProposalDecision.ACCEPTED:
                move(ctx, Stage.ON_PLAN)
            return answer
        case PromiseInput():
            if (yield from negotiating.promise_to_pay(ctx, payload)) and state.resume_stage == Stage.CONTACTING:
                move(ctx, Stage.NEGOTIATING)
        case HoldInput():
            yield from holding.place(ctx, payload)
        case HoldReleaseInput():
            yield from holding.release(ctx, payload)
        case ProbateInput():
            yield from holding.probate(ctx, payload)
        case RecallInput():
            events.recall_placement(ctx, payload)
        case ChargeInput():
            yield from events.charge(ctx, payload)
        case CreditInput():
            yield from events.credit(ctx, payload)
        case CreditorRecallInput():
            yield from events.creditor_recall(ctx, payload)
        case ContactOutcomeInput():
            yield from events.contact_outcome(ctx, payload)
        case InboundContactInput():
            yield from events.inbound_contact(ctx, payload)
        case ContactPreferenceChange():
            yield from events.contact_preference(ctx, payload)
        case _:
            ctx.log(f"unknown event {type(payload).__name__} ignored")
    return None


__all__ = ["Call", "Context", "Event", "Wait", "life"]
