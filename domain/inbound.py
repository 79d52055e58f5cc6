"""Contacts the consumer starts (a call, a text, an email, a letter) and what staff record of them: pure.

One rule, one function: `inbound_problem` is what the CLI, the API and the workflow check an inbound
contact against; `describe_inbound` is the line a person reads about what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.contact import CONVERSATION_OUTCOMES, Channel, Outcome

INBOUND_OUTCOMES: dict[Channel, tuple[Outcome, ...]] = {
    Channel.CALL: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED, Outcome.VOICEMAIL),
    Channel.SMS: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED),
    Channel.EMAIL: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED),
    Channel.LETTER: (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED),
}
"""What may come of a contact the consumer started: on a call, a conversation or a message left."""
CONSENT_DAYS = 7
"""Prior consent to calls given directly to the collector lasts 7 days (1006.14(b)(3)(i))."""
FUTURE_TOLERANCE = timedelta(minutes=1)
"""Clocks differ a little between the operator's machine and the worker: a minute ahead is 'now'."""
ATTORNEY_ALLOWS_CONTACT_REASONS = ("consent", "no_response")
"""1006.6(b)(2): the attorney consents to direct contact, or does not respond within a reasonable time."""


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


@dataclass
class RecordInboundInput:
    """The activity's request: the inbound contact under the attempt number the workflow gave it."""

    account_id: str
    attempt_no: int
    contact: InboundContactInput


def inbound_problem(
    contact: InboundContactInput, *, now: datetime, account_since: datetime | None = None
) -> str | None:
    """Why `contact` cannot be recorded, or None: the outcome must fit the channel, the time must carry
    its UTC offset and be neither in the future nor before the account existed."""
    allowed = INBOUND_OUTCOMES.get(contact.channel)
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


def is_telephone_conversation(contact: InboundContactInput) -> bool:
    """A call the consumer placed that became a conversation about the debt: the quiet period
    follows it as after any other (1006.14(b)(2)(i)(B): whoever placed the call)."""
    return contact.channel == Channel.CALL and contact.outcome in CONVERSATION_OUTCOMES


def describe_inbound(account_id: str, contact: InboundContactInput, *, local_day: date, quiet_days: int) -> str:
    """What a person reads once the contact is recorded: what it was and what it changes for calls.

    `local_day` is the contact's day where the debtor is; `quiet_days` the account's profile's."""
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
    if contact.outcome in (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY):
        notes.append("a right-party contact")
    return "; ".join([what, *notes])


def _outcome_words(contact: InboundContactInput) -> str:
    if is_telephone_conversation(contact):
        return f"a telephone conversation ({contact.outcome.value.replace('_', ' ')})"
    if contact.outcome == Outcome.VOICEMAIL:
        return "a message left, no conversation"
    return contact.outcome.value.replace("_", " ")
