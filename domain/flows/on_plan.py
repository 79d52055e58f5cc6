"""The `on_plan` stage: watch each installment to its due date plus grace, remind once, break or complete."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain import cadence, negotiation
from domain.commands import Context, Flow, Wait, call
from domain.flows import sending
from domain.flows.negotiating import policy_of, promise_deadlines, resolve_promises
from domain.messages import AccountState
from domain.negotiation_messages import ActivePlan, Installment, InstallmentStatus, OfferKind
from domain.plan_messages import EndPlanInput, RecordInstallmentsInput, SettleAccountInput
from domain.stages import Stage


def on_plan(ctx: Context) -> Flow[Stage | None]:
    """Returns where to go when the plan ends: negotiating (broken and renegotiable, or completed short of the
    balance), referred (broken), or None when the plan settled or paid the account (the machine closes it)."""
    state, policy = ctx.state, policy_of(ctx.state)
    plan = state.negotiation.plan
    assert plan is not None, "on_plan without a plan"
    while (due := negotiation.next_installment(plan.offer.installments)) is not None:
        yield from resolve_promises(ctx)
        now = ctx.now()
        deadline = min([negotiation.plan_deadline(due, policy), *promise_deadlines(state)])
        state.next_action = f"installment {due.number}: {due.amount_cents - due.paid_cents} cents by {due.due_date}"
        if now >= deadline and negotiation.installment_broken(due, now, policy):
            return (yield from _broken(ctx, plan, due.number))
        if now < negotiation.reminder_at(due):
            deadline = min(deadline, negotiation.reminder_at(due))
        elif negotiation.needs_reminder(due, plan.reminded, now, policy):
            wait_until = yield from _remind(ctx, plan, due)
            if wait_until is None:
                continue
            deadline = min(deadline, wait_until)
        state.next_action_at = deadline
        yield Wait(deadline, "installment")
    return (yield from _completed(ctx, plan))


def completed_at_close(state: AccountState) -> int | None:
    """The plan the account's closing payment completed (every installment paid), now its completed plan:
    recorded completed with the closing, and open again if that payment is reversed."""
    talks = state.negotiation
    plan = talks.plan
    if plan is None or negotiation.next_installment(plan.offer.installments) is not None:
        return None
    talks.plan, talks.completed_plan = None, plan
    return plan.plan_no


def installments_after(ctx: Context, amount_cents: int) -> RecordInstallmentsInput | None:
    """The plan's installments as a payment would leave them (None: no plan), recorded with the payment in one
    activity; the plan takes them once the store says the payment was applied."""
    plan = ctx.state.negotiation.plan
    if plan is None:
        return None
    after = [replace(installment) for installment in plan.offer.installments]
    negotiation.apply_payment_to_plan(after, amount_cents)
    return RecordInstallmentsInput(ctx.state.account_id, plan.plan_no, after, at=ctx.now())


def _remind(ctx: Context, plan: ActivePlan, installment: Installment) -> Flow[datetime | None]:
    """Remind the debtor of a missed installment once, through the gate; when to ask again if it must wait."""
    state, policy, number = ctx.state, policy_of(ctx.state), installment.number
    if state.plan is None:  # started without a strategy: nothing may be sent
        plan.reminded.append(number)
        return None
    snapshot = yield from sending.contacts(ctx)
    decision = cadence.decide_reminder(
        state.plan, state.contact, snapshot, policy.reminder_channels, ctx.now(),
        useful_until=negotiation.plan_deadline(installment, policy),
    )  # fmt: skip
    if decision.kind == cadence.DecisionKind.WAIT and decision.at is not None:
        state.next_action = f"reminder of installment {number} ({decision.step.channel if decision.step else ''})"
        return decision.at
    if decision.kind == cadence.DecisionKind.SKIP and decision.step is not None:
        yield from sending.record_blocked(ctx, decision, advance=False)
    elif decision.kind == cadence.DecisionKind.SEND and (yield from sending.send(ctx, decision, advance=False)) is None:
        return None  # the activity failed: the gate decides again
    plan.reminded.append(number)  # sent, or refused for good (no channel, cease): not asked again
    return None


def _broken(ctx: Context, plan: ActivePlan, number: int) -> Flow[Stage]:
    state, talks = ctx.state, ctx.state.negotiation
    for installment in plan.offer.installments:
        if installment.number == number:
            installment.status = InstallmentStatus.MISSED
    talks.installments_missed += 1
    talks.plan = None
    yield from call(
        "record_installments",
        RecordInstallmentsInput(state.account_id, plan.plan_no, plan.offer.installments, at=ctx.now()),
    )
    yield from call("end_plan", EndPlanInput(state.account_id, plan.plan_no, "broken", at=ctx.now()))
    if negotiation.after_broken_plan(talks.renegotiations_used, policy_of(state)) == "renegotiate":
        talks.renegotiations_used += 1
        return Stage.NEGOTIATING
    return Stage.REFERRED


def _completed(ctx: Context, plan: ActivePlan) -> Flow[Stage | None]:
    state = ctx.state
    state.negotiation.plan = None
    if plan.offer.kind == OfferKind.SETTLEMENT or state.balance_cents <= 0:
        state.negotiation.completed_plan = plan  # the account closes with it: a reversed payment reopens it
    if plan.offer.kind == OfferKind.SETTLEMENT:
        forgiven = max(0, state.balance_cents)
        yield from call("settle_account", SettleAccountInput(state.account_id, plan.plan_no, forgiven, at=ctx.now()))
        state.negotiation.forgiven_cents = forgiven
        state.balance_cents -= forgiven
        state.outcome = Stage.SETTLED
        return None
    yield from call("end_plan", EndPlanInput(state.account_id, plan.plan_no, "completed", at=ctx.now()))
    # a plan for less than the balance (it grew): keep negotiating; else the machine closes the account as paid
    return Stage.NEGOTIATING if state.balance_cents > 0 else None
