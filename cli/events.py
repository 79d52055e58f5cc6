"""`event ...`: feed an event to an account's workflow, as the configured caller (cli.identity.act).

starter.py registers `app.add_typer(event_app, name="event")`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated

import typer

from cli.common import console, fail, run, with_context
from cli.contacts import attorney_allows_contact, inbound
from cli.identity import act
from cli.output import in_dollars
from domain import holds, validation
from domain.contact import Channel, Outcome
from domain.creditor_messages import ChargeInput, CreditInput, CreditKind, CreditorRecallInput
from domain.messages import HoldInput, HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput, ProbateInput
from domain.money import InvalidAmount, parse_amount
from domain.negotiation_messages import PromiseInput
from domain.reversal_messages import ReversalReason
from ops import account_workflows, creditor, reversals, write_downs
from ops.applied import WAIT_SECONDS
from ops.context import OpsContext
from web.tokens import Caller

event_app = typer.Typer(no_args_is_help=True, help="Feed an event to an account's workflow.")
event_app.command("inbound")(inbound)
event_app.command("attorney-allows-contact")(attorney_allows_contact)


@event_app.command("payment-reversal")
def event_payment_reversal(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reference: Annotated[str, typer.Option(help="The reversed payment's reference.")],
    reason: Annotated[ReversalReason, typer.Option(help="Why the payment came back.")],
    reversal_reference: Annotated[
        str, typer.Option(help="The reversal's own reference (the bank's); default reversal:<payment reference>.")
    ] = "",
    return_code: Annotated[str, typer.Option(help="The ACH return reason code, R01 to R85.")] = "",
) -> None:
    """A payment bounced, was unauthorized or charged back: the balance goes back up, once; a paid or settled
    account is collected again from where it left off."""

    async def reverse(ctx: OpsContext, _who: Caller) -> str:
        return await reversals.send_reversal(
            ctx, account_id, payment_reference=reference, reason=reason, reference=reversal_reference,
            return_code=return_code,
        )  # fmt: skip

    detail = {"payment_reference": reference.strip(), "reason": str(reason)}
    console.print(act(account_id, "payment_reversal", reverse, detail), highlight=False, soft_wrap=True)


@event_app.command("payment")
def event_payment(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    amount: Annotated[str, typer.Option(help="Dollars and cents, e.g. 12.34.")],
    reference: Annotated[str, typer.Option(help="The payment's unique reference.")],
    received_on: Annotated[str | None, typer.Option(help="ISO date (default today).")] = None,
    agency: Annotated[str | None, typer.Option(help="Reported by this agency (earns its commission).")] = None,
    estate: Annotated[bool, typer.Option("--estate", help="Paid by a deceased debtor's estate (settles).")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until the workflow applied it: new balance, stage.")
    ] = False,
) -> None:
    """A payment was received (signal-with-start; the same reference twice counts once)."""
    received = received_on or datetime.now(UTC).date().isoformat()  # checked by domain.validation, as over HTTP
    try:
        cents = parse_amount(amount)
    except InvalidAmount as err:
        fail(str(err))

    async def pay(ctx: OpsContext, _who: Caller) -> str:
        source = account_workflows.payment_source(ctx, agency=agency, estate=estate)
        payment = PaymentInput(cents, reference.strip(), received, source)
        return await account_workflows.send_payment(ctx, account_id, payment, wait=WAIT_SECONDS if wait else None)

    answer = act(account_id, "payment", pay, {"reference": reference.strip(), "amount_cents": cents})
    console.print(answer, highlight=False, soft_wrap=True)


@event_app.command("hold")
def event_hold(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    kind: Annotated[HoldKind, typer.Option(help="Why collection must stop.")],
    reference: Annotated[str, typer.Option(help="Unique reference of this hold (case number, ticket).")],
    reason: Annotated[str, typer.Option(help="Free text, no personal data.")] = "",
) -> None:
    """Put the account on hold: every stage stops at once until the hold is released."""
    _hold(account_id, HoldInput(reference, kind, reason))


def _hold(account_id: str, hold: HoldInput) -> None:
    detail = {"kind": hold.kind.value, "reference": hold.reference}
    answer = act(account_id, "hold", lambda ctx, _: account_workflows.send_hold(ctx, account_id, hold), detail)
    console.print(answer, highlight=False, soft_wrap=True)


def _release(account_id: str, release: HoldReleaseInput) -> None:
    """A write-down beyond the caller's authority waits for a supervisor (ops.write_downs)."""
    detail = {"outcome": release.outcome.value, "kind": release.kind, "reference": release.reference}
    send = partial(write_downs.release_hold, account_id=account_id, release=release)
    answer = act(account_id, "release_hold", lambda ctx, who: send(ctx, requester=who), detail)
    console.print(answer, highlight=False, soft_wrap=True)


@event_app.command("release-hold")
def event_release_hold(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reference: Annotated[str, typer.Option(help="The hold's reference.")],
    outcome: Annotated[HoldOutcome, typer.Option(help="Resume collection or end the account.")] = HoldOutcome.RESUME,
) -> None:
    """Release a hold: collection resumes where it stopped, or the account ends."""
    _release(account_id, HoldReleaseInput(reference, outcome))


@event_app.command("bankruptcy")
def event_bankruptcy(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    chapter: Annotated[str, typer.Option(help="7, 11 or 13.")],
    case_number: Annotated[str, typer.Option(help="The court's case number (the hold's reference).")],
    filed_on: Annotated[str, typer.Option(help="Petition date, ISO.")],
    court: Annotated[str, typer.Option(help="The bankruptcy court.")] = "",
) -> None:
    """Automatic stay: no contact of any kind, recall from any agency, a proof of claim filed before the bar date."""
    _hold(account_id, holds.bankruptcy_hold(case_number, chapter=chapter, filed_on=filed_on, court=court))


@event_app.command("bankruptcy-discharged")
def event_bankruptcy_discharged(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The debt is discharged: the balance is written off and the account ends `discharged`."""
    _release(account_id, HoldReleaseInput(outcome=HoldOutcome.DISCHARGE, kind=HoldKind.BANKRUPTCY))


@event_app.command("bankruptcy-dismissed")
def event_bankruptcy_dismissed(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The case is dismissed: collection resumes where it stopped, the time on hold not counted."""
    _release(account_id, HoldReleaseInput(outcome=HoldOutcome.RESUME, kind=HoldKind.BANKRUPTCY))


@event_app.command("deceased")
def event_deceased(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    date_of_death: Annotated[str, typer.Option(help="ISO date.")],
) -> None:
    """The debtor died: all contact with the debtor stops; recall from any agency."""
    _hold(account_id, holds.deceased_hold(f"deceased-{account_id}", date_of_death=date_of_death))


@event_app.command("probate")
def event_probate(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    representative: Annotated[str, typer.Option(help="The personal representative's name.")],
    claims_deadline: Annotated[str, typer.Option(help="The estate's claims deadline, ISO.")],
    email: Annotated[str | None, typer.Option(help="The representative's email.")] = None,
    phone: Annotated[str | None, typer.Option(help="The representative's phone.")] = None,
) -> None:
    """The estate's representative: the only person contacted from now on; the claim is filed."""
    probate = ProbateInput(representative, claims_deadline, email=email, phone=phone)
    console.print(act(account_id, "probate", lambda ctx, _: account_workflows.send_probate(ctx, account_id, probate)))


@event_app.command("estate-closed")
def event_estate_closed(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The estate closed without paying: the balance is written off."""
    _release(account_id, HoldReleaseInput(outcome=HoldOutcome.WRITE_OFF, kind=HoldKind.DECEASED))


@event_app.command("dispute")
def event_dispute(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="What the debtor disputes (no personal data).")],
    amount: Annotated[str | None, typer.Option(help="The disputed amount (default: all of it).")] = None,
) -> None:
    """Collection of the disputed amount stops until the verification letter is sent."""
    try:
        cents = parse_amount(amount) if amount is not None else None
    except InvalidAmount as err:
        fail(str(err))
    dispute = account_workflows.send_dispute
    console.print(run(with_context(lambda ctx: dispute(ctx, account_id, reason=reason, disputed_cents=cents))))


@event_app.command("dispute-resolved")
def event_dispute_resolved(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    outcome: Annotated[str, typer.Option(help="verified (the letter goes out, collection resumes) or upheld.")],
) -> None:
    """Answer the open dispute: verified resumes after the verification letter; upheld takes the amount off."""
    if problem := validation.dispute_resolution_problem(outcome):
        fail(f"{problem}: nothing changed")
    _release(account_id, HoldReleaseInput(outcome=HoldOutcome(outcome), kind=HoldKind.DISPUTE))


@event_app.command("contact-outcome")
def event_contact_outcome(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    attempt: Annotated[int, typer.Option(min=1, help="The attempt number (see `attempts ID`).")],
    outcome: Annotated[Outcome, typer.Option(help="What came of the attempt.")],
) -> None:
    """Report a contact attempt's outcome (dialer or staff): right-party contact moves to negotiating."""
    send = partial(account_workflows.send_contact_outcome, attempt_no=attempt, outcome=outcome)
    detail = {"attempt": attempt, "outcome": outcome.value}
    console.print(act(account_id, "contact_outcome", lambda ctx, _: send(ctx, account_id), detail))


@event_app.command("opt-out")
def event_opt_out(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    channel: Annotated[Channel, typer.Option(help="The channel opted out of.")],
    address: Annotated[str, typer.Option(help="The email address or phone number concerned.")],
) -> None:
    """The debtor opted out of a channel at one address or number; effective at once."""
    send = partial(account_workflows.send_opt_out, channel=channel, address=address)
    console.print(act(account_id, "opt_out", lambda ctx, _: send(ctx, account_id), {"channel": channel.value}))


@event_app.command("cease")
def event_cease(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """A written request to cease communication: all outbound contact stops at once (1006.6(c))."""
    console.print(act(account_id, "cease", lambda ctx, _: account_workflows.send_cease(ctx, account_id)))


@event_app.command("attorney")
def event_attorney(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[str, typer.Option(help="The attorney's name.")],
    phone: Annotated[str | None, typer.Option(help="The attorney's phone.")] = None,
    email: Annotated[str | None, typer.Option(help="The attorney's email.")] = None,
) -> None:
    """The debtor is represented: from now on only the attorney is contacted (1006.6(b)(2))."""
    send = partial(account_workflows.send_attorney, name=name, phone=phone, email=email)
    console.print(act(account_id, "attorney", lambda ctx, _: send(ctx, account_id)))


@event_app.command("promise")
def event_promise(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    amount: Annotated[str, typer.Option(help="Dollars and cents promised.")],
    date_: Annotated[str, typer.Option("--date", help="ISO date by which it will be paid.")],
) -> None:
    """A promise to pay: kept or broken at the date plus the grace period."""
    from ops.negotiation import send_promise

    try:
        cents = parse_amount(amount)
    except InvalidAmount as err:
        fail(str(err))
    promise = PromiseInput(cents, date_)  # the date is checked by domain.validation, as over HTTP
    detail = {"amount_cents": cents, "due_date": promise.due_date}
    sent = act(account_id, "promise", lambda ctx, _: send_promise(ctx, account_id, promise), detail)
    console.print(in_dollars(sent), highlight=False)


@event_app.command("charge")
def event_charge(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    amount: Annotated[str, typer.Option(help="Dollars and cents, e.g. 125.00.")],
    service_date: Annotated[str, typer.Option(help="ISO date of the service.")],
    description: Annotated[str, typer.Option(help="The service line, e.g. 'office visit'.")],
    reference: Annotated[str, typer.Option(help="The creditor's reference (the same reference twice counts once).")],
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the workflow applied it: new balance.")] = False,
) -> None:
    """The creditor adds a charge (a new service): the balance goes up."""
    try:
        cents = parse_amount(amount)
    except InvalidAmount as err:
        fail(str(err))

    async def post(ctx: OpsContext, who: Caller) -> str:
        charge = ChargeInput(cents, service_date, description.strip(), reference.strip(), entered_by=who.name)
        return await creditor.send_charge(ctx, account_id, charge, wait=WAIT_SECONDS if wait else None)

    detail = {"reference": reference.strip(), "amount_cents": cents, "service_date": service_date}
    console.print(act(account_id, "charge", post, detail), highlight=False, soft_wrap=True)


@event_app.command("credit")
def event_credit(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    amount: Annotated[str, typer.Option(help="Dollars and cents, e.g. 40.00.")],
    kind: Annotated[CreditKind, typer.Option(help="An insurance payment, a contractual allowance, an adjustment.")],
    reference: Annotated[str, typer.Option(help="The creditor's (or payer's) reference; twice counts once.")],
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the workflow applied it: new balance.")] = False,
) -> None:
    """The creditor takes money off: the balance goes down (past zero: a credit balance to refund). An
    allowance or adjustment over the write-down limit is a supervisor's to enter."""
    try:
        cents = parse_amount(amount)
    except InvalidAmount as err:
        fail(str(err))

    async def post(ctx: OpsContext, who: Caller) -> str:
        credit = CreditInput(cents, kind, reference.strip(), entered_by=who.name)
        return await creditor.send_credit(ctx, account_id, credit, who, wait=WAIT_SECONDS if wait else None)

    detail = {"reference": reference.strip(), "amount_cents": cents, "kind": kind.value}
    console.print(act(account_id, "credit", post, detail), highlight=False, soft_wrap=True)


@event_app.command("creditor-recall")
def event_creditor_recall(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why the creditor takes it back (no personal data).")],
) -> None:
    """The creditor takes the account back: an agency placement is recalled, contact stops, it ends `recalled`."""

    async def send(ctx: OpsContext, who: Caller) -> str:
        recall = CreditorRecallInput(reason.strip(), entered_by=who.name)
        return await creditor.send_creditor_recall(ctx, account_id, recall)

    console.print(act(account_id, "creditor_recall", send, {"reason": reason.strip()}), highlight=False, soft_wrap=True)
