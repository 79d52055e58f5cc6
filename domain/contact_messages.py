"""Messages between the account workflow and the contact activities: one dataclass each.

Standard library only (the workflow sandbox imports it). No personal data: a contact point travels
as its id, a message as its channel and template name; numbers, addresses, names and bodies stay
in the store and are rendered inside the activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.contact import Channel, ContactPoint, Outcome, Rule

VALIDATION_NOTICE = "validation_notice"
REMINDER = "reminder"
CALL_SCRIPT = "script"
"""Template names; a call always reads `call_script` when no `call_<template>` exists."""


class AttemptStatus(StrEnum):
    SENDING = "sending"
    """Email handed to SMTP, delivery not yet confirmed (only ever seen inside the activity)."""
    SENT = "sent"
    BLOCKED = "blocked"
    UNCONFIRMED = "unconfirmed"
    """The activity died between handing an email to SMTP and recording it: not sent again."""
    RECEIVED = "received"
    """An inbound contact: the consumer called, texted, emailed or wrote (never sent by the engine)."""


class ContactPreference(StrEnum):
    OPT_OUT = "opt_out"
    """The person asked not to be contacted at this point (STOP, unsubscribe)."""
    CEASE = "cease"
    """Written request to cease communication (FDCPA 805(c)): every channel stops."""
    BAD_POINT = "bad_point"
    """Wrong number or bounced address."""
    ATTORNEY = "attorney"
    """The debtor is represented: only the attorney's contact points may be used (1006.6(b)(2))."""
    ATTORNEY_ALLOWS_CONTACT = "attorney_allows_contact"
    """The attorney consented to direct contact or did not respond in a reasonable time (1006.6(b)(2)):
    recorded in the store first; the workflow reloads its contact snapshot."""
    CONTACT_POINTS = "contact_points"
    """A contact point added, corrected, retired or found bad, or the debtor's language changed
    (domain/contact_updates.py): recorded in the store first; the workflow reloads its contact snapshot."""


def attempt_key(account_id: str, attempt_no: int) -> str:
    """The idempotency key of a contact attempt, also its outbox key and email Message-ID."""
    return f"attempt:{account_id}:{attempt_no}"


@dataclass
class ContactSnapshot:
    account_id: str
    points: list[ContactPoint] = field(default_factory=list)
    cease_communication: bool = False
    attorney_point_ids: list[int] = field(default_factory=list)
    language: str = "en"
    medical: bool = False
    attorney_allows_direct_contact: bool = False
    """The consumer's attorney consented to direct contact, or did not respond within a reasonable
    time (1006.6(b)(2)): recorded by staff (`event attorney-allows-contact`)."""
    jurisdictions: list[str] = field(default_factory=list)
    """Where the debtor is, for the rule packs (domain.rule_packs.jurisdictions_of): 'US', 'US-MA'...
    Empty in snapshots recorded before the packs: no pack, as those workflows decided then."""
    licence_missing: list[str] = field(default_factory=list)
    """Packs of those jurisdictions that require the collector's licence number on written messages when
    none is configured (COLLECTOR_LICENSES): the gate refuses letters, emails and texts (Civ. Code 1788.11(f))."""


@dataclass
class LoadContactSnapshotInput:
    account_id: str


@dataclass
class SendContactInput:
    account_id: str
    attempt_no: int
    channel: Channel
    point_id: int
    template: str
    validation_notice: bool = False
    validation_period_end: str | None = None
    """ISO date: the last day to dispute, printed in the validation notice."""
    at: datetime | None = None
    """When the gate cleared the contact: the attempt's time of record. A dispatch later than
    MAX_DISPATCH_DELAY after it is refused, so a stale clearance never goes out."""


MAX_DISPATCH_DELAY_SECONDS = 15 * 60


@dataclass
class SendContactResult:
    status: AttemptStatus
    at: datetime
    local_at: str
    rule: Rule | None = None
    """Set when the store refused at the last moment (cease, opt-out or bad point since the snapshot)."""


@dataclass
class RecordBlockedInput:
    account_id: str
    attempt_no: int
    channel: Channel
    point_id: int | None
    rule: Rule
    at: datetime


@dataclass
class RecordOutcomeInput:
    account_id: str
    attempt_no: int
    outcome: Outcome
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class ContactPreferenceInput:
    account_id: str
    kind: str
    """A ContactPreference value: 'opt_out', 'cease' or 'bad_point'."""
    point_id: int | None = None
    channel: str | None = None
    """For 'opt_out': the one channel to stop at that point (STOP to a text); None stops them all."""
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records
