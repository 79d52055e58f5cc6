"""Contacts the consumer starts (a call, a text, an email, a letter), calls a collector places by hand from
the desk, and what staff record of them: pure.

What an inbound contact is checked against lives in domain.validation (`inbound_problem`);
`describe_inbound` is the line a person reads about what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.contact import CONVERSATION_OUTCOMES, Channel, Outcome
from domain.validation import ATTORNEY_ALLOWS_CONTACT_REASONS, INBOUND_OUTCOMES  # noqa: F401

CONSENT_DAYS = 7
"""Prior consent to calls given directly to the collector lasts 7 days (1006.14(b)(3)(i))."""


@dataclass
class InboundContactInput:
    """The `inbound_contact` signal: no personal data (the point travels as its id)."""

    inbound_id: str
    """Chosen by the operation that reported it: the same contact delivered twice is recorded once."""
    channel: Channel
    outcome: Outcome
    at: datetime
    consent_to_calls: bool = False
    point_id: int | None = None
    placed_by: str = ""
    """Set for a call a collector placed by hand from the desk (outbound): the name of who placed it.
    The gate counts it as a placed call (1006.14(b)(3)); it was cleared by the gate before it was placed."""

    @property
    def outbound(self) -> bool:
        return bool(self.placed_by)


@dataclass
class RecordInboundInput:
    """The activity's request: the inbound contact under the attempt number the workflow gave it."""

    account_id: str
    attempt_no: int
    contact: InboundContactInput
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


def is_telephone_conversation(contact: InboundContactInput) -> bool:
    """A call the consumer placed that became a conversation about the debt: the quiet period
    follows it as after any other (1006.14(b)(2)(i)(B): whoever placed the call)."""
    return contact.channel == Channel.CALL and contact.outcome in CONVERSATION_OUTCOMES


def describe_inbound(account_id: str, contact: InboundContactInput, *, local_day: date, quiet_days: int) -> str:
    """What a person reads once the contact is recorded: what it was and what it changes for calls.

    `local_day` is the contact's day where the debtor is; `quiet_days` the account's profile's."""
    if contact.outbound:
        return f"call placed by {contact.placed_by} recorded for account {account_id}: {_outcome_words(contact)}"
    what = f"inbound {contact.channel.value} recorded for account {account_id}: {_outcome_words(contact)}"
    notes = []
    if is_telephone_conversation(contact) and not contact.consent_to_calls:
        until = local_day + timedelta(days=quiet_days)
        notes.append(f"no calls before {until.isoformat()} (1006.14(b)(2)(i)(B))")
    if contact.consent_to_calls:
        until = local_day + timedelta(days=CONSENT_DAYS)
        notes.append(
            f"prior consent to calls until {until.isoformat()}: calls until then are not limited by the "
            "seven-in-seven or the quiet period (1006.14(b)(3)(i))"
        )
    if contact.outcome in (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY) and not is_telephone_conversation(
        contact
    ):
        notes.append("a right-party contact")
    return "; ".join([what, *notes])


def _outcome_words(contact: InboundContactInput) -> str:
    if is_telephone_conversation(contact):
        return f"a telephone conversation ({contact.outcome.value.replace('_', ' ')})"
    if contact.outcome == Outcome.VOICEMAIL:
        return "a message left, no conversation"
    return contact.outcome.value.replace("_", " ")
