"""A payment reversed: the balance restored, what the payment satisfied opened again, the account collected again.

The store records the reversal once (its reference; a payment is reversed at most once) with the plan's
installments and the promises it reopens, in one transaction, and takes back an agency's commission on it.
The machine then works the account from where it is: the on_plan stage judges a reopened installment with its
grace (broken if the grace has passed), `resolve_promises` a reopened promise. A paid or settled account comes
back with its closing state (ops.reversals starts its workflow again with it): the plan it completed is its
plan again, and it resumes in the stage it left.
"""

from __future__ import annotations

from dataclasses import replace

from domain import negotiation, validation
from domain.commands import Context, Flow, Refused, call
from domain.plan_messages import PromiseStatus, RecordInstallmentsInput
from domain.reversal_messages import PaymentReversalInput, RecordReversalInput
from domain.stages import Stage


def describe(reversal: PaymentReversalInput) -> str:
    """'payment PF-2 reversed (nsf, R01)': the reason a reopened account's timeline gives."""
    why = ", ".join(x for x in (str(reversal.reason), reversal.return_code) if x)
    return f"payment {reversal.payment_reference} reversed ({why})"


def payment_reversal(ctx: Context, reversal: PaymentReversalInput) -> Flow[bool]:
    """Whether the reversal was applied (a refused or repeated one changes nothing)."""
    state, talks = ctx.state, ctx.state.negotiation
    if problem := validation.reversal_problem(reversal):
        ctx.log(f"reversal ignored: {problem}")
        return False
    plan = talks.plan or (talks.completed_plan if state.outcome in (Stage.PAID, Stage.SETTLED, None) else None)
    installments = None
    if plan is not None:
        after = [replace(i) for i in plan.offer.installments]
        negotiation.unapply_payment_from_plan(after, reversal.amount_cents)
        installments = RecordInstallmentsInput(state.account_id, plan.plan_no, after, at=ctx.now())
    reopened = negotiation.reopened_promises(talks.promises, state.collected_cents - reversal.amount_cents)
    request = RecordReversalInput(
        state.account_id, reversal.payment_reference, reversal.reference, reversal.reason, reversal.amount_cents,
        reversal.return_code, at=ctx.now(), installments=installments, reopened_promises=reopened,
    )  # fmt: skip
    recorded = yield from call("record_reversal", request, refusable=True)
    if isinstance(recorded, Refused):
        ctx.log(f"reversal {reversal.reference} refused by the store: {recorded.message}")
        return False
    state.balance_cents = recorded.balance_cents
    if not recorded.applied:
        return False
    state.collected_cents -= recorded.amount_cents
    if plan is not None and installments is not None:
        plan.offer.installments = installments.installments
        talks.plan, talks.completed_plan = plan, None  # a completed plan is open again
    for number in reopened:
        talks.promises[number - 1].status = PromiseStatus.OPEN.value
        talks.promises_kept -= 1
    if state.outcome in (Stage.PAID, Stage.SETTLED) and state.balance_cents > 0:
        state.outcome = None  # collected again
    return True
