"""What holds do besides stopping the stages: claims, recalls, the verification letter, write-offs, probate."""

from __future__ import annotations

from domain import cadence, holds, lifecycle, validation
from domain.commands import Context, Flow, call
from domain.contact import Channel, Purpose
from domain.flows import sending
from domain.flows.referred import recall
from domain.hold_messages import AdjustBalanceInput, FileClaimInput, HoldRecordInput, RepresentativeInput, WriteOffInput
from domain.messages import Hold, HoldInput, HoldKind, HoldOutcome, HoldReleaseInput, ProbateInput
from domain.stages import Stage
from domain.strategy import CadenceStep

RESUMING = (HoldOutcome.RESUME, HoldOutcome.VERIFIED, HoldOutcome.UPHELD)
VERIFICATION_LETTER = CadenceStep(
    channel=Channel.LETTER, template="verification", after_seconds=0, purpose=Purpose.VERIFICATION
)


def place(ctx: Context, request: HoldInput) -> Flow[None]:
    """Stack a hold and record it; a bankruptcy or a death recalls the account from its agency; a bankruptcy
    files its proof of claim."""
    state = ctx.state
    if problem := validation.hold_problem(request, ctx.now().date()):
        ctx.log(f"hold ignored: {problem}")
        return
    if state.stage.is_terminal or not lifecycle.place_hold(state, request, ctx.now()):
        return
    hold = state.holds[-1]
    yield from _record(ctx, hold, "placed", hold.detail)
    if holds.stops_placement(hold.kind):
        yield from recall(ctx, f"{hold.kind} hold {hold.reference}")
    if hold.kind == HoldKind.BANKRUPTCY and state.balance_cents > 0:
        claim = FileClaimInput(
            state.account_id, hold.reference, holds.PROOF_OF_CLAIM, state.balance_cents,
            holds.bar_date(hold).isoformat(), at=ctx.now(),
        )  # fmt: skip
        yield from call("file_claim", claim)


def release(ctx: Context, request: HoldReleaseInput) -> Flow[None]:
    """Do what the outcome asks, then lift the hold: collection never restarts before that is done."""
    state, outcome = ctx.state, request.outcome
    hold = holds.hold_to_release(state, request)
    if hold is None:
        ctx.log(f"no hold {request.reference or request.kind} to release")
        return
    if outcome in RESUMING:
        holds.keep_hold_time_off_the_clock(state, hold.placed_at, ctx.now())
    if outcome == HoldOutcome.VERIFIED:
        yield from sending.send_letter(ctx, VERIFICATION_LETTER)  # before collection resumes (1006.38(d)(2)(i))
    if outcome == HoldOutcome.UPHELD:
        disputed = holds.disputed_cents(hold, state.balance_cents)
        adjust = AdjustBalanceInput(state.account_id, hold.reference, disputed, "dispute upheld", at=ctx.now())
        state.balance_cents = yield from call("adjust_balance", adjust)
        if state.balance_cents <= 0:
            state.outcome = Stage.CLOSED
    if outcome in (HoldOutcome.DISCHARGE, HoldOutcome.WRITE_OFF):
        yield from _write_off(ctx, f"{hold.kind} {outcome}")
    yield from _record(ctx, hold, "released", {}, outcome=outcome.value)
    lifecycle.release_hold(state, HoldReleaseInput(hold.reference, outcome))
    if outcome == HoldOutcome.VERIFIED and state.contact.validation_notice_sent_at is None:
        # A dispute before the notice: the notice once the hold is lifted, within five business days of
        # the verification letter, the first communication (1006.34(a)(1)(i)(B)); never during the hold.
        yield from sending.send_letter(ctx, cadence.VALIDATION_NOTICE_STEP)


def probate(ctx: Context, request: ProbateInput) -> Flow[None]:
    """The estate's representative becomes the only contact; the claim against the estate is filed."""
    state = ctx.state
    hold = holds.hold_to_release(state, HoldReleaseInput(kind=HoldKind.DECEASED))
    if hold is None:
        ctx.log("probate ignored: no deceased hold on the account")
        return
    hold.detail.update(claims_deadline=request.claims_deadline, representative=request.representative)
    yield from _record(ctx, hold, "updated", dict(hold.detail))
    yield from call(
        "add_representative",
        RepresentativeInput(
            state.account_id, hold.reference, request.representative, request.email, request.phone, at=ctx.now()
        ),
    )
    yield from sending.reload_contacts(ctx)
    if state.balance_cents > 0:
        claim = FileClaimInput(
            state.account_id,
            hold.reference,
            holds.ESTATE_CLAIM,
            state.balance_cents,
            request.claims_deadline,
            at=ctx.now(),
        )
        yield from call("file_claim", claim)


def estate_paid(ctx: Context) -> Flow[None]:
    """The estate's payment settles the account: what it did not cover is written off."""
    state = ctx.state
    if state.balance_cents > 0:
        state.negotiation.forgiven_cents = yield from _write_off(ctx, "estate paid: the remainder is forgiven")
    state.outcome = Stage.SETTLED


def _write_off(ctx: Context, reason: str) -> Flow[int]:
    cents: int = yield from call("write_off", WriteOffInput(ctx.state.account_id, reason, at=ctx.now()))
    ctx.state.balance_cents = 0
    return cents


def _record(ctx: Context, hold: Hold, event: str, detail: dict[str, str], *, outcome: str | None = None) -> Flow[None]:
    record = HoldRecordInput(ctx.state.account_id, hold.reference, hold.kind.value, event, detail, outcome, ctx.now())
    yield from call("record_hold", record)
