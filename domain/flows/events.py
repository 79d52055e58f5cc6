"""What the account's events do, besides moving it between stages (that is domain/machine.py's).

Payments, recalls, the creditor's changes (charges, credits, its recall) and contact events; each checks its
input first (domain.validation) and changes nothing when it is refused.
"""

from __future__ import annotations

from domain import cadence, holds, lifecycle, referral, validation
from domain.commands import Context, Flow, Refused, call
from domain.contact import Outcome
from domain.contact_messages import ContactPreference, ContactPreferenceInput, RecordOutcomeInput
from domain.creditor_messages import (
    CHARGE,
    ChargeInput,
    CreditInput,
    CreditorRecallInput,
    RecordCreditorEntryInput,
)
from domain.flows import sending
from domain.flows.holding import estate_paid
from domain.flows.negotiating import resolve_promises
from domain.flows.on_plan import installments_after
from domain.flows.referred import recall
from domain.inbound import InboundContactInput, RecordInboundInput
from domain.messages import ContactOutcomeInput, ContactPreferenceChange, HoldKind, PaymentInput, RecordPaymentInput
from domain.referral_messages import AccrueCommissionInput, RecallInput
from domain.stages import Stage

RELOADED_FROM_STORE = (
    ContactPreference.ATTORNEY,
    ContactPreference.ATTORNEY_ALLOWS_CONTACT,
    ContactPreference.CONTACT_POINTS,
)
"""Preferences the store records first: the machine reloads the contact snapshot instead of applying them."""


def payment(ctx: Context, paid: PaymentInput) -> Flow[None]:
    state = ctx.state
    if problem := validation.payment_problem(paid, ctx.now().date()):
        ctx.log(f"payment ignored: {problem}")
        return
    if lifecycle.is_duplicate_payment(state, paid.reference):
        ctx.log(f"duplicate payment reference {paid.reference} ignored")
        return
    lifecycle.remember_payment_reference(state, paid.reference)
    installments = installments_after(ctx, paid.amount_cents)
    request = RecordPaymentInput(
        state.account_id, paid.reference, paid.amount_cents, paid.received_on, paid.source, ctx.now(), installments
    )
    recorded = yield from call("record_payment", request, refusable=True)
    if isinstance(recorded, Refused):
        # A reference owned by another account, an amount past the store's ceiling, data the database
        # refuses (audited `payment.refused`): nothing changes here.
        ctx.log(f"payment {paid.reference} refused by the store: {recorded.message}")
        return
    lifecycle.apply_recorded_payment(
        state, amount_cents=paid.amount_cents, applied=recorded.applied, balance_cents=recorded.balance_cents
    )
    if not recorded.applied:
        return
    if installments is not None and state.negotiation.plan is not None:
        state.negotiation.plan.offer.installments = installments.installments
    yield from resolve_promises(ctx)  # a promise the payment covers is kept now
    yield from _credit_placement(ctx, paid)
    if paid.source == holds.ESTATE_SOURCE and any(h.kind == HoldKind.DECEASED for h in state.holds):
        yield from estate_paid(ctx)


def _credit_placement(ctx: Context, paid: PaymentInput) -> Flow[None]:
    """A payment while placed restarts the recall clock; the agency's own report earns its commission."""
    placement = ctx.state.referral.placement
    if placement is None:
        return
    placement.last_paid_at = ctx.now()
    if paid.source == referral.agency_source(placement.agency_id):
        yield from call("accrue_commission", AccrueCommissionInput(ctx.state.account_id, paid.reference, at=ctx.now()))


def charge(ctx: Context, posted: ChargeInput) -> Flow[None]:
    """The creditor's new charge: the balance goes up, once per the creditor's reference."""
    if problem := validation.charge_problem(posted, ctx.now().date()):
        ctx.log(f"charge ignored: {problem}")
        return
    request = RecordCreditorEntryInput(
        ctx.state.account_id, CHARGE, posted.reference, posted.amount_cents, posted.entered_by,
        service_date=posted.service_date, description=posted.description, at=ctx.now(),
    )  # fmt: skip
    yield from _record_creditor_entry(ctx, request)


def credit(ctx: Context, credited: CreditInput) -> Flow[None]:
    """The creditor's credit: the balance goes down (below zero: a credit balance to refund, and the account
    closes paid), once per the creditor's reference. Authority was checked where it was entered (ops.creditor)."""
    if problem := validation.credit_problem(credited):
        ctx.log(f"credit ignored: {problem}")
        return
    request = RecordCreditorEntryInput(
        ctx.state.account_id, credited.kind.value, credited.reference, -credited.amount_cents, credited.entered_by,
        at=ctx.now(),
    )  # fmt: skip
    yield from _record_creditor_entry(ctx, request)


def _record_creditor_entry(ctx: Context, request: RecordCreditorEntryInput) -> Flow[None]:
    recorded = yield from call("record_creditor_entry", request, refusable=True)
    if isinstance(recorded, Refused):
        ctx.log(f"creditor {request.kind} {request.reference} refused by the store: {recorded.message}")
        return
    ctx.state.balance_cents = recorded.balance_cents


def creditor_recall(ctx: Context, taken_back: CreditorRecallInput) -> Flow[None]:
    """The creditor takes the account back: an agency placement is recalled, contact stops, the account ends
    `recalled` (whatever stage or hold it was in)."""
    if problem := validation.creditor_recall_problem(taken_back.reason):
        ctx.log(f"creditor recall ignored: {problem}")
        return
    yield from recall(ctx, f"creditor recall: {taken_back.reason}")
    ctx.state.outcome = Stage.RECALLED


def recall_placement(ctx: Context, recall: RecallInput) -> bool:
    """Ask the referred stage to recall the placement; whether there is one."""
    if ctx.state.referral.placement is None:
        ctx.log("recall ignored: the account is not placed")
        return False
    ctx.state.referral.recall_requested = recall.reason
    return True


def contact_outcome(ctx: Context, report: ContactOutcomeInput) -> Flow[None]:
    state = ctx.state
    snapshot = yield from sending.contacts(ctx)
    record = cadence.apply_outcome(
        state.contact, snapshot, attempt_no=report.attempt_no, outcome=report.outcome, at=ctx.now()
    )
    if record is None:
        ctx.log(f"outcome for unknown attempt {report.attempt_no} ignored")
        return
    yield from call(
        "record_contact_outcome", RecordOutcomeInput(state.account_id, report.attempt_no, report.outcome, at=ctx.now())
    )


def inbound_contact(ctx: Context, contact: InboundContactInput) -> Flow[None]:
    """A contact the consumer started, in any stage: the gate reads it from the contact history at once
    (a telephone conversation starts the quiet period, 1006.14(b)(2)(i)(B); consent to calls,
    1006.14(b)(3)(i)); stored once per inbound id."""
    state = ctx.state
    if problem := validation.inbound_problem(contact, now=ctx.now()):
        ctx.log(f"inbound contact ignored: {problem}")
        return
    if state.stage.is_terminal:
        return
    record = cadence.record_inbound(
        state.contact, inbound_id=contact.inbound_id, channel=contact.channel, outcome=contact.outcome,
        at=contact.at, point_id=contact.point_id, consent_to_calls=contact.consent_to_calls,
        outbound=contact.outbound,
    )  # fmt: skip
    if record is None:
        ctx.log(f"inbound contact {contact.inbound_id} already recorded")
        return
    if contact.outbound and contact.outcome == Outcome.WRONG_NUMBER:
        snapshot = yield from sending.contacts(ctx)
        for point in snapshot.points:
            point.bad = point.bad or point.point_id == contact.point_id
    yield from call(
        "record_inbound_contact", RecordInboundInput(state.account_id, record.attempt_no, contact, at=ctx.now())
    )


def contact_preference(ctx: Context, change: ContactPreferenceChange) -> Flow[None]:
    """Effective at once: the cadence asks the gate again before anything else is sent."""
    if change.kind in RELOADED_FROM_STORE:
        yield from sending.reload_contacts(ctx)
        return
    contacts = yield from sending.contacts(ctx)
    if change.kind == ContactPreference.CEASE:
        contacts.cease_communication = True
    elif change.kind == ContactPreference.OPT_OUT:
        lifecycle.opt_out(contacts, point_id=change.point_id, channel=change.channel)
    request = ContactPreferenceInput(
        ctx.state.account_id, change.kind.value, change.point_id, change.channel, at=ctx.now()
    )
    yield from call("apply_contact_preference", request)
