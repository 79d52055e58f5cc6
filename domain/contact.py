"""Contact vocabulary shared by the cadence, the compliance gate, channels and the workflow.

No personal data here: a contact point is known by its id, its kind, its role and what the
gate needs (candidate time zones, consent and opt-out flags); its number or address stays in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    LETTER = "letter"
    EMAIL = "email"
    SMS = "sms"
    CALL = "call"


CHANNEL_POINT_KIND = {Channel.LETTER: "address", Channel.EMAIL: "email", Channel.SMS: "phone", Channel.CALL: "phone"}


class Outcome(StrEnum):
    """What came of a contact attempt, reported by the dialer, the provider or staff."""

    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    WRONG_NUMBER = "wrong_number"
    RIGHT_PARTY_CONTACT = "right_party_contact"
    REFUSED = "refused"
    PROMISE_TO_PAY = "promise_to_pay"
    BUSY = "busy"
    NOT_IN_SERVICE = "not_in_service"


CONVERSATION_OUTCOMES = frozenset({Outcome.RIGHT_PARTY_CONTACT, Outcome.REFUSED, Outcome.PROMISE_TO_PAY})
"""Outcomes that mean a telephone conversation with the person about the debt took place."""

NOT_CONNECTED_OUTCOMES = frozenset({Outcome.BUSY, Outcome.NOT_IN_SERVICE})
"""A call that did not connect is not a placed call: it does not count toward the seven (1006.14(b)(3)(ii))."""


class Purpose(StrEnum):
    """Why a contact is sent, where the regulation allows it despite a standing instruction."""

    COLLECTION = "collection"
    CEASE_COLLECTION_STOPS = "cease_collection_stops"
    """After a cease request: that collection efforts are being terminated (1006.6(c)(2)(i))."""
    CEASE_REMEDY_MAY_BE_INVOKED = "cease_remedy_may_be_invoked"
    """After a cease request: that a remedy ordinarily invoked may be invoked (1006.6(c)(2)(ii))."""
    CEASE_REMEDY_WILL_BE_INVOKED = "cease_remedy_will_be_invoked"
    """After a cease request: that a specified remedy will be invoked (1006.6(c)(2)(iii))."""
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"
    """One reply confirming an opt-out, with no other content (1006.14(h)(2))."""
    VERIFICATION = "verification"
    """The verification of a disputed debt (1006.38(d)(2)(i)): owed to the consumer, not a collection
    communication, so it does not wait for the validation notice."""
    REPLY_TO_CONSUMER = "reply_to_consumer"
    """One reply, in the same medium, to a consumer who wrote or called at an inconvenient time (comment 6(b)(1)-2)."""


CEASE_EXEMPT_PURPOSES = frozenset(
    {Purpose.CEASE_COLLECTION_STOPS, Purpose.CEASE_REMEDY_MAY_BE_INVOKED, Purpose.CEASE_REMEDY_WILL_BE_INVOKED}
)


class Rule(StrEnum):
    """The compliance rule that blocked a contact."""

    CEASE_COMMUNICATION = "cease_communication"
    ATTORNEY_REPRESENTED = "attorney_represented"
    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    BAD_CONTACT_POINT = "bad_contact_point"
    VALIDATION_NOTICE_FIRST = "validation_notice_first"
    CALL_FREQUENCY = "call_frequency"
    COMMUNICATION_FREQUENCY = "communication_frequency"
    CONVERSATION_QUIET_PERIOD = "conversation_quiet_period"
    CALLING_HOURS = "calling_hours"
    LICENSE_NUMBER_MISSING = "license_number_missing"
    """A written or digital message to a debtor whose jurisdiction requires the collector's licence number
    (California, Civ. Code 1788.11(f)) when none is configured (COLLECTOR_LICENSES): not sent."""


@dataclass
class ContactPoint:
    point_id: int
    kind: str
    role: str = "debtor"
    zones: list[str] = field(default_factory=list)
    opted_out: bool = False
    opted_out_channels: list[str] = field(default_factory=list)
    consent_autodialer: bool = False
    consent_sms: bool = False
    bad: bool = False


@dataclass
class ContactRecord:
    """One contact as the gate and the cadence see it: an attempt (sent or blocked) or an inbound contact."""

    attempt_no: int
    channel: Channel
    point_id: int
    at: datetime
    sent: bool
    rule: Rule | None = None
    outcome: Outcome | None = None
    validation_notice: bool = False
    inbound: bool = False
    consent_to_calls: bool = False
    """The consumer gave prior consent to calls directly to the collector (1006.14(b)(3)(i)): for 7 days."""
    purpose: Purpose = Purpose.COLLECTION
    placed_by_staff: bool = False
    """A call a collector placed by hand: its outcome came with it, a dialer's report for it is ignored."""
