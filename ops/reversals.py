"""`event payment-reversal`: a payment bounced, was unauthorized or charged back.

Checked here once (domain.validation.reversal_problem; the payment exists on the account and was not reversed
already), then sent to the account's workflow. A paid or settled account's workflow has ended: it starts again
from the closing state the store kept, with the reversal as its first event, and resumes where it left off.
"""

from __future__ import annotations

from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from domain.messages import AccountWorkflowInput
from domain.money import format_cents
from domain.reversal_messages import PaymentReversalInput, ReversalReason
from domain.stages import Stage
from domain.validation import reversal_problem
from domain.workflow_contract import WORKFLOW_TYPE, workflow_id_for
from ops import account_workflows
from ops.account_workflows import refuse, require_account
from ops.context import OpsContext
from ops.errors import OpsError
from service.state_documents import state_from_document
from store import repository, reversals
from store.views import AccountView

REOPENED_BY_REVERSAL = (Stage.PAID, Stage.SETTLED)


def default_reference(payment_reference: str) -> str:
    """A payment is reversed at most once: its reference names its reversal unless the bank gives one."""
    return f"reversal:{payment_reference}"[:128]


async def send_reversal(
    ctx: OpsContext, account_id: str, *, payment_reference: str, reason: ReversalReason, reference: str = "",
    return_code: str = "",
) -> str:  # fmt: skip
    """Reverse the payment; one line saying what happened (or an OpsError: nothing changed)."""
    reference = reference.strip() or default_reference(payment_reference.strip())
    draft = PaymentReversalInput(payment_reference.strip(), reference, reason, 0, return_code.strip().upper())
    refuse(reversal_problem(draft))
    account = await require_account(ctx, account_id)
    async with ctx.sessions() as session:
        payment = await repository.payment_by_reference(session, draft.payment_reference)
        earlier = await reversals.reversal_of(session, draft.payment_reference)
        closing = await repository.closing_state(session, account_id)
    if payment is None or payment.account_id != account_id:
        raise OpsError(f"no payment {draft.payment_reference} on account {account_id}: nothing changed")
    if earlier is not None:
        when = earlier.recorded_at.date().isoformat()
        if earlier.reference == reference:
            return f"duplicate: reversal {reference} was already recorded on {when}; nothing changed"
        raise OpsError(
            f"payment {draft.payment_reference} was already reversed on {when} ({earlier.reference}): nothing changed"
        )
    reversal = PaymentReversalInput(draft.payment_reference, reference, reason, payment.amount_cents, draft.return_code)
    said = (
        f"reversal of payment {draft.payment_reference} ({format_cents(payment.amount_cents, account.currency)}, "
        f"{reason}) sent to account {account_id}"
    )
    if account.stage is None or not account.stage.is_terminal:
        await account_workflows.deliver_reversal(ctx, account, reversal)
        return said
    if account.stage not in REOPENED_BY_REVERSAL:
        raise OpsError(
            f"account {account_id} is closed ({account.stage}): a reversal reopens only a paid or settled "
            "account; nothing changed"
        )
    if closing is None:
        raise OpsError(f"account {account_id} closed without a closing state to reopen it from: nothing changed")
    resumes = await _reopen(ctx, account, closing, reversal)
    return f"{said}; the account was {account.stage}: collected again from where it left off ({resumes})"


async def _reopen(
    ctx: OpsContext, account: AccountView, closing: dict[str, object], reversal: PaymentReversalInput
) -> str:
    """Start the account's workflow again with its closing state and the reversal; the stage it resumes."""
    state = state_from_document(closing)
    request = AccountWorkflowInput(account.account_id, state, ctx.settings.max_history_events)
    try:
        await ctx.client.start_workflow(
            WORKFLOW_TYPE, request, id=workflow_id_for(account.account_id),
            task_queue=ctx.settings.collections_task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            start_signal="payment_reversal", start_signal_args=[reversal],
        )  # fmt: skip
    except WorkflowAlreadyStartedError:  # reopened a moment ago by another reversal: it takes this one too
        await account_workflows.send_running(ctx, account.account_id, "payment_reversal", reversal)
    resumes = Stage.ON_PLAN if state.negotiation.completed_plan is not None else state.resume_stage
    return str(resumes).replace("_", " ")
