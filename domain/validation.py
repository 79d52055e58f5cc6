"""One validation point per event: what the CLI, the web API, ops and the workflow check an event against (pure).

Each function answers None (the event may be sent) or the one-line reason it may not; callers add
": nothing changed". Arguments a caller cannot know (the workflow has no configured maximum, no store)
are optional and their checks skipped when absent. Message types are imported for typing only: this
module sits under domain.holds, domain.inbound and domain.negotiation, which import it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from domain import contact_updates
from domain.bounds import EARLIEST_DAY, amount_problem, day_problem, month_of
from domain.contact import NOT_CONNECTED_OUTCOMES, Channel, Outcome
from domain.money import format_cents

if TYPE_CHECKING:
    from domain.creditor_messages import ChargeInput, CreditInput
    from domain.inbound import InboundContactInput
    from domain.messages import HoldInput, PaymentInput, ProbateInput
    from domain.negotiation import NegotiationPolicy
    from domain.negotiation_messages import PlanProposal, PromiseInput
    from domain.reversal_messages import PaymentReversalInput

MAX_REFERENCE = 128
"""The store's limit for a payment's or a hold's reference."""
CHAPTERS = ("7", "11", "13")
INBOUND_OUTCOMES: dict[Channel, tuple[Outcome, ...]] = {
    Channel.CALL: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED, Outcome.VOICEMAIL),
    Channel.SMS: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED),
    Channel.EMAIL: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED),
    Channel.LETTER: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED),
}
"""What may come of a contact the consumer started: on a call, a conversation or a message left."""
FUTURE_TOLERANCE = timedelta(minutes=1)
"""Clocks differ a little between the operator's machine and the worker: a minute ahead is 'now'."""
ATTORNEY_ALLOWS_CONTACT_REASONS = ("consent", "no_response")
"""1006.6(b)(2): the attorney consents to direct contact, or does not respond within a reasonable time."""
DISPUTE_RESOLUTIONS = ("verified", "upheld")
MAX_DESCRIPTION = 200
"""A charge's service line, a recall's reason: at most this many printable characters."""
CREDIT_KINDS = ("insurance", "contractual_allowance", "adjustment")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REVERSAL_REASONS = ("nsf", "closed_account", "unauthorized", "chargeback", "other")
_RETURN_CODE = re.compile(r"^R(0[1-9]|[1-7][0-9]|8[0-5])$")
"""NACHA return reason codes R01 to R85."""


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD date, or None for anything else."""
    if text is None or not _ISO_DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _long_reference(reference: str, what: str) -> str | None:
    if len(reference) > MAX_REFERENCE or not reference.isprintable():
        return f"{what} is at most {MAX_REFERENCE} printable characters, got {len(reference)}"
    return None


def payment_problem(
    payment: PaymentInput,
    today: date | None = None,
    *,
    maximum_cents: int | None = None,
    account_since: date | None = None,
    closed_months: Collection[str] = (),
) -> str | None:
    """Why a payment cannot be applied, or None: a positive amount (at most `maximum_cents`), a reference of
    1 to 128 printable characters, an ISO received date not after `today`, not before the account existed
    (`account_since`: the earlier of its due date and the day it was loaded), not in a closed month."""
    if payment.amount_cents <= 0:
        return f"amount must be positive, got {payment.amount_cents} cents"
    if maximum_cents is not None and (problem := amount_problem(payment.amount_cents, maximum_cents)):
        return problem
    if not payment.reference.strip():
        return "payment reference is empty"
    if problem := _long_reference(payment.reference, "a payment reference"):
        return problem
    received = parse_day(payment.received_on)
    if received is None:
        return f"the payment's date must be an ISO date (YYYY-MM-DD), got {payment.received_on!r}"
    if today is not None and (problem := day_problem(received, "the payment's date", today=today)):
        return problem
    if account_since is not None and received < account_since:
        return f"the payment's date {received.isoformat()} is before the account existed ({account_since.isoformat()})"
    if month_of(received) in closed_months:
        month = month_of(received)
        return f"the payment's date {received.isoformat()} is in {month}, a month already closed by month-end"
    return None


def reversal_problem(reversal: PaymentReversalInput) -> str | None:
    """Why a payment reversal cannot be sent, or None: the payment's reference and the reversal's own, a reason,
    and an ACH return code R01..R85 if there is one."""
    if not reversal.payment_reference.strip():
        return "the reversed payment's reference is empty"
    if problem := _long_reference(reversal.payment_reference, "a payment reference"):
        return problem
    if not reversal.reference.strip():
        return "the reversal's reference is empty"
    if problem := _long_reference(reversal.reference, "a reversal reference"):
        return problem
    if str(reversal.reason) not in REVERSAL_REASONS:
        return f"a reversal's reason is one of {', '.join(REVERSAL_REASONS)}, got {reversal.reason!r}"
    if reversal.return_code and not _RETURN_CODE.match(reversal.return_code):
        return f"an ACH return code is R01 to R85, got {reversal.return_code!r}"
    return None


def _past_day_problem(text: str | None, what: str, today: date) -> str | None:
    day = parse_day(text)
    if day is None or not EARLIEST_DAY <= day <= today:
        return f"{what} must be an ISO date not in the future and from 1900 on, got {text!r}"
    return None


def hold_problem(hold: HoldInput, today: date, *, maximum_cents: int | None = None) -> str | None:
    """Why this hold cannot be placed as given, or None: a reference, and what its kind needs
    (bankruptcy: chapter and petition date; deceased: date of death; dispute: a positive amount, if any)."""
    if not hold.reference.strip():
        return "a hold needs a reference (case number, ticket)"
    if problem := _long_reference(hold.reference, "a hold reference"):
        return problem
    detail = hold.detail
    if hold.kind == "bankruptcy":
        if detail.get("chapter") not in CHAPTERS:
            return f"bankruptcy chapter must be one of {', '.join(CHAPTERS)}, got {detail.get('chapter')!r}"
        return _past_day_problem(detail.get("filed_on"), "filed_on", today)
    if hold.kind == "deceased":
        return _past_day_problem(detail.get("date_of_death"), "date_of_death", today)
    amount = detail.get("disputed_cents")
    if hold.kind != "dispute" or amount is None:
        return None
    if not (amount.isascii() and amount.isdigit()) or int(amount) <= 0:
        return f"disputed amount must be positive cents, got {amount!r}"
    return None if maximum_cents is None else amount_problem(int(amount), maximum_cents, "a disputed amount")


def dispute_resolution_problem(outcome: str) -> str | None:
    if outcome not in DISPUTE_RESOLUTIONS:
        return f"outcome must be verified or upheld, got {outcome!r}"
    return None


def probate_problem(probate: ProbateInput, today: date) -> str | None:
    """The representative needs a name and a way to reach them; the claims deadline a believable date."""
    if not probate.representative.strip() or not (probate.email or probate.phone):
        return "the representative needs a name and a phone or an email"
    deadline = parse_day(probate.claims_deadline)
    if deadline is None:
        return f"the claims deadline must be an ISO date (YYYY-MM-DD), got {probate.claims_deadline!r}"
    return day_problem(deadline, "the claims deadline", today=today, future=True)


def first_payment_problem(text: str, today: date, policy: NegotiationPolicy, what: str = "first payment") -> str | None:
    """Why a first payment (or promise) date is not acceptable, or None: it must be within today..today+window."""
    day = parse_day(text)
    if day is None:
        return f"the {what} date {text!r} is not a date like {today.isoformat()}"
    if day < today:
        return f"the {what} date {day.isoformat()} is in the past (today is {today.isoformat()})"
    latest = today + timedelta(days=policy.first_payment_within_days)
    if day > latest:
        return (
            f"the {what} date {day.isoformat()} is more than {policy.first_payment_within_days} days away "
            f"(latest {latest.isoformat()})"
        )
    return None


def promise_problem(
    promise: PromiseInput, balance_cents: int, today: date, policy: NegotiationPolicy,
    *, maximum_cents: int | None = None,
) -> str | None:  # fmt: skip
    """Why a promise to pay cannot be taken, or None: more than zero, at most the balance, within the window."""
    if maximum_cents is not None and (problem := amount_problem(promise.amount_cents, maximum_cents, "a promise")):
        return problem
    if promise.amount_cents <= 0:
        return f"a promise must be for more than {format_cents(0)} (got {format_cents(promise.amount_cents)})"
    if promise.amount_cents > balance_cents:
        return (
            f"a promise of {format_cents(promise.amount_cents)} is more than the balance of "
            f"{format_cents(balance_cents)}"
        )
    return first_payment_problem(promise.due_date, today, policy, what="promise")


def proposal_problem(proposal: PlanProposal, *, maximum_cents: int) -> str | None:
    """A proposal's checks before it reaches the workflow's validator (which judges it against the policy)."""
    return amount_problem(proposal.settle_cents or 0, maximum_cents, "a settlement")


def contact_outcome_problem(
    account_id: str, attempt_no: int, outcome: Outcome,
    *, channel: Channel | None, blocked_by: str | None = None, inbound: bool = False, placed_by: str | None = None,
) -> str | None:  # fmt: skip
    """An outcome belongs to an attempt that went out (`channel` None: no such attempt); a busy line or a
    number not in service only to a call (1006.14(b)(3)(ii)); an inbound contact brought its own."""
    if channel is None:
        return f"account {account_id} has no contact attempt {attempt_no}"
    if blocked_by is not None:
        return f"attempt {attempt_no} of account {account_id} was blocked ({blocked_by}): it has no outcome"
    if outcome in NOT_CONNECTED_OUTCOMES and channel != Channel.CALL:
        return f"{outcome} is a call's outcome; attempt {attempt_no} was a {channel}"
    if inbound:
        return f"#{attempt_no} of account {account_id} is an inbound contact: its outcome came with it"
    if placed_by:
        return f"#{attempt_no} of account {account_id} is a call {placed_by} placed by hand: its outcome came with it"
    return None


def inbound_problem(
    contact: InboundContactInput, *, now: datetime, account_since: datetime | None = None
) -> str | None:
    """Why `contact` cannot be recorded, or None: the outcome must fit the channel, the time must carry
    its UTC offset and be neither in the future nor before the account existed."""
    allowed = (
        tuple(Outcome)
        if contact.outbound and contact.channel == Channel.CALL
        else INBOUND_OUTCOMES.get(contact.channel)
    )
    if contact.outbound and (contact.channel != Channel.CALL or contact.point_id is None):
        return "a call placed from the desk is a call to one of the account's phone numbers"
    if allowed is None:
        return f"unknown channel {contact.channel!r}: one of {', '.join(c.value for c in INBOUND_OUTCOMES)}"
    if contact.outcome not in allowed:
        choices = ", ".join(o.value for o in allowed)
        return f"an inbound {contact.channel.value} cannot have the outcome {contact.outcome.value}: one of {choices}"
    if contact.at.tzinfo is None or contact.at.utcoffset() is None:
        return "the time needs its UTC offset, e.g. 2026-12-07T09:30:00-05:00"
    if contact.at > now + FUTURE_TOLERANCE:
        return f"the time {contact.at.isoformat()} is in the future"
    if account_since is not None and contact.at < account_since:
        return f"the time {contact.at.isoformat()} is before the account existed ({account_since.date().isoformat()})"
    if not contact.inbound_id.strip():
        return "an inbound contact needs an id"
    return None


def attorney_problem(name: str, *, phone: str | None, email: str | None) -> str | None:
    if not name.strip():
        return "the attorney needs a name"
    if not (phone or email):
        return "give the attorney's phone or email (or both)"
    return None


def attorney_allows_contact_problem(reason: str) -> str | None:
    if reason not in ATTORNEY_ALLOWS_CONTACT_REASONS:
        return f"the reason must be {' or '.join(ATTORNEY_ALLOWS_CONTACT_REASONS)}, got {reason!r}"
    return None


def recall_problem(account_id: str, agency_id: str | None, *, internal_desk: str) -> str | None:
    """A recall needs a placement with an agency (`agency_id` None: not placed), not the internal desk."""
    if agency_id is None:
        return f"account {account_id} is not placed with an agency"
    if agency_id == internal_desk:
        return f"account {account_id} is already with the internal desk"
    return None


def _text_problem(text: str, what: str) -> str | None:
    if not text.strip():
        return f"{what} is empty"
    if len(text) > MAX_DESCRIPTION or not text.isprintable():
        return f"{what} is at most {MAX_DESCRIPTION} printable characters, got {len(text)}"
    return None


def _creditor_amount_problem(cents: int, what: str, maximum_cents: int | None) -> str | None:
    if cents <= 0:
        return f"{what} must be positive, got {cents} cents"
    return None if maximum_cents is None else amount_problem(cents, maximum_cents, what)


def charge_problem(charge: ChargeInput, today: date | None = None, *, maximum_cents: int | None = None) -> str | None:
    """Why a creditor's new charge cannot be posted, or None: a positive amount (at most `maximum_cents`), a
    reference of 1 to 128 printable characters, an ISO service date not after `today`, a service line."""
    if problem := _creditor_amount_problem(charge.amount_cents, "a charge", maximum_cents):
        return problem
    if not charge.reference.strip():
        return "a charge needs the creditor's reference"
    if problem := _long_reference(charge.reference, "a charge reference"):
        return problem
    served = parse_day(charge.service_date)
    if served is None:
        return f"the service date must be an ISO date (YYYY-MM-DD), got {charge.service_date!r}"
    if today is not None and (problem := day_problem(served, "the service date", today=today)):
        return problem
    return _text_problem(charge.description, "the charge's description (its service line)")


def credit_problem(credit: CreditInput, *, maximum_cents: int | None = None) -> str | None:
    """Why a creditor's credit cannot be posted, or None: a positive amount (at most `maximum_cents`), a known
    kind, a reference of 1 to 128 printable characters. A credit may exceed the balance (a credit balance)."""
    if credit.kind not in CREDIT_KINDS:
        return f"a credit's kind is one of {', '.join(CREDIT_KINDS)}, got {credit.kind!r}"
    if problem := _creditor_amount_problem(credit.amount_cents, "a credit", maximum_cents):
        return problem
    if not credit.reference.strip():
        return "a credit needs the creditor's reference"
    return _long_reference(credit.reference, "a credit reference")


def creditor_recall_problem(reason: str) -> str | None:
    """A creditor's recall needs a reason (no personal data), at most 200 printable characters."""
    return _text_problem(reason, "the recall's reason")


def contact_point_problem(
    kind: str, value: str, source: str, *, sms_consent: bool = False, autodialer_consent: bool = False,
    consent_from: str | None = None, consent_at: datetime | None = None, now: datetime | None = None,
) -> str | None:  # fmt: skip
    """A contact point to add (`contact add`): its kind, a well-formed value (phones by phonenumbers'
    numbering plan), who gave it, and consent to texts or autodialed calls only for a phone, from the debtor
    or the creditor, at a time with its offset and not in the future."""
    if kind not in contact_updates.KINDS:
        return f"unknown kind {kind!r}: one of {', '.join(contact_updates.KINDS)}"
    try:
        contact_updates.point_value(kind, value)
    except ValueError as err:
        return str(err)
    if source not in contact_updates.Source.__members__.values():
        return f"unknown source {source!r}: one of {', '.join(contact_updates.Source)}"
    return consent_problem(
        kind, sms_consent=sms_consent or None, autodialer_consent=autodialer_consent or None, consent_from=consent_from,
        consent_at=consent_at, now=now,
    )  # fmt: skip


def consent_problem(
    kind: str, *, sms_consent: bool | None, autodialer_consent: bool | None, consent_from: str | None = None,
    consent_at: datetime | None = None, now: datetime | None = None,
) -> str | None:  # fmt: skip
    """Consent to texts and autodialed calls is a phone's; given (True) by the debtor or the creditor."""
    given = sms_consent is True or autodialer_consent is True
    if kind != "phone" and (given or sms_consent is False or autodialer_consent is False):
        return f"consent to texts or autodialed calls is a phone's, not {'an' if kind[0] in 'aeiou' else 'a'} {kind}'s"
    if consent_from is not None and consent_from not in contact_updates.ConsentFrom.__members__.values():
        return f"consent comes from {' or '.join(contact_updates.ConsentFrom)}, got {consent_from!r}"
    if (consent_from is not None or consent_at is not None) and not given:
        return "--consent-from and --consent-at go with --sms-consent or --autodialer-consent"
    if consent_at is not None:
        if consent_at.tzinfo is None or consent_at.utcoffset() is None:
            return "the consent's time needs its UTC offset, e.g. 2026-12-07T09:30:00-05:00"
        if now is not None and consent_at > now + FUTURE_TOLERANCE:
            return f"the consent's time {consent_at.isoformat()} is in the future"
    return None


def retire_problem(reason: str) -> str | None:
    if reason not in contact_updates.RetireReason.__members__.values():
        return f"unknown reason {reason!r}: one of {', '.join(contact_updates.RetireReason)}"
    return None


def bad_point_problem(kind: str, reason: str) -> str | None:
    """Mail returns from an address, an email bounces (a wrong number comes with a call's outcome)."""
    marked = contact_updates.BAD_REASON_KIND.items()
    said_of = {r.value: k for r, k in marked if r != contact_updates.BadReason.WRONG_NUMBER}
    if reason not in said_of:
        return f"unknown reason {reason!r}: {' or '.join(said_of)}"
    if said_of[reason] != kind:
        article = "an" if kind[0] in "aeiou" else "a"
        return f"{reason.replace('_', ' ')} is said of an {said_of[reason]}, not of {article} {kind}"
    return None


def language_problem(language: str) -> str | None:
    if language not in contact_updates.LANGUAGES:
        known = ", ".join(f"{code} ({name})" for code, name in contact_updates.LANGUAGES.items())
        return f"unknown language {language!r}: one of {known}"
    return None
