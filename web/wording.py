"""How the supervisor's pages say codes, money, times and days: the words of web/presentation.py and the
templates' filters. Whatever is not recognised is shown as it came, never dropped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.money import format_cents
from domain.timezones import zone_info

WORDS: dict[str, str] = {
    "not_started": "not started",
    "on_plan": "on plan",
    "on_hold": "on hold",
    "written_off": "written off",
    "recalled": "recalled by the creditor",
    "sms": "text message",
    "right_party_contact": "right-party contact",
    "promise_to_pay": "promise to pay",
    "no_answer": "no answer",
    "wrong_number": "wrong number",
    "pay_in_full": "pay in full",
    "pending_approval": "waiting for approval",
    "cease_communication": "cease-communication request",
    "attorney_represented": "attorney representation",
    "opted_out": "opt-out",
    "no_consent": "no consent",
    "bad_contact_point": "bad contact point",
    "validation_notice_first": "validation notice first",
    "call_frequency": "call frequency limit",
    "conversation_quiet_period": "quiet period after a conversation",
    "calling_hours": "calling hours",
    "proof_of_claim": "proof of claim",
    "estate_claim": "claim on the estate",
    "in-house": "in-house",
    "none": "no contact before",
}
"""Codes that need more than their underscores turned into spaces."""

QUEUE_REASONS: dict[str, str] = {
    "approval": "a proposal to approve",
    "offer": "an offer to make",
    "verification": "a dispute to verify",
    "probate": "an estate representative",
    "reminder": "a note reminder",
    "promise_due": "a promise due today",
}

QUEUE_FILTERS: dict[str, str] = {
    "approval": "proposals to approve",
    "offer": "offers to make",
    "verification": "disputes to verify",
    "probate": "estates without a representative",
    "reminder": "note reminders",
    "promise_due": "promises due today",
}

ACTIONS: dict[str, str] = {
    "payment": "payment received",
    "recall_placement": "placement recalled",
    "place_hold": "hold placed",
    "release_hold": "hold released",
    "probate": "estate representative named",
    "contact_outcome": "contact outcome reported",
    "contact_preference": "contact preference changed",
    "propose_plan": "proposal made",
    "decide_approval": "approval decided",
    "promise_to_pay": "promise to pay made",
}
"""The account workflow's signals and updates, as the timeline says them."""


def words(code: object) -> str:
    """A code (a stage, a channel, a rule, an outcome) as a person says it; '' for None."""
    if code is None:
        return ""
    text = str(code)
    return WORDS.get(text, text.replace("_", " "))


def sentence(code: object) -> str:
    """`words`, capitalised: 'On plan'."""
    said = words(code)
    return said[:1].upper() + said[1:]


def money(cents: int | None, currency: str = "USD") -> str:
    return "" if cents is None else format_cents(cents, currency)


def utc_time(at: datetime | str | None) -> str:
    """'2026-12-07 14:05 UTC' (a server-side moment: a workflow event, a note, a hold)."""
    if at is None:
        return ""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) else at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def zone_time(at: datetime | str | None, zone: str | None) -> str:
    """'2026-12-07 09:14 America/Chicago': the moment on the clocks of `zone` (UTC when it is unknown)."""
    if at is None:
        return ""
    found = zone_info(zone) if zone else None
    if found is None:
        return utc_time(at)
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")) if isinstance(at, str) else at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(found):%Y-%m-%d %H:%M} {zone}"


def clock(at: datetime | None) -> str:
    """'14:05 UTC' (a moment later today: a claim's end)."""
    return "" if at is None else f"{at.astimezone(UTC):%H:%M} UTC"


def day(value: date | str | None) -> str:
    """A calendar day as 2026-12-09 (a date, an ISO string or a datetime's date)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def relative_day(value: date | str | None, today: date) -> str:
    """'today', 'tomorrow', 'in 3 days', '2 days ago'."""
    if value is None:
        return ""
    days = (date.fromisoformat(day(value)) - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
