"""The Regulation F gate (12 CFR part 1006): may this contact go out now, and if not, from when?

Pure: `now` and everything known about the account are parameters. Rules that forbid a contact
whatever the time are checked first, in order; then the time rules (validation notice sent, call
frequency, quiet days after a conversation, local hours) each push the time to the earliest instant
they allow, until none moves it. Day-based rules count the debtor's local calendar days, in every
zone the debtor may be in: that arithmetic (local days, the hours window) is domain/compliance_clock.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from domain.business_days import add_business_days
from domain.compliance_clock import (
    MAX_PASSES,
    TimeCheck,
    day_rule,
    first_day_after_quiet,
    first_day_under_limit,
    inside_hours,
    utc,
)
from domain.contact import (
    CEASE_EXEMPT_PURPOSES,
    CONVERSATION_OUTCOMES,
    NOT_CONNECTED_OUTCOMES,
    Channel,
    ContactPoint,
    ContactRecord,
    Purpose,
    Rule,
)
from domain.timezones import ALL_US_ZONES, valid_zones

CONSENT_DAYS = 7
"""Calls placed within 7 days of the consumer's prior consent given directly to the collector are
outside the frequency presumptions (1006.14(b)(3)(i))."""
REPLY_WINDOW = timedelta(hours=1)
"""A reply to a consumer who wrote or called at an inconvenient time goes out "at that time": within
this long of the consumer's contact, once, in the same medium (comment 6(b)(1)-2)."""
NOTICE_BUSINESS_DAYS = 5
"""The validation notice follows a first communication that was not the notice within five days,
excluding legal public holidays, Saturdays and Sundays (1006.34(a)(1)(i)(B))."""
WRITTEN_CHANNELS = frozenset({Channel.LETTER, Channel.EMAIL})
"""The media of the notices still allowed after a written cease request (1006.6(c)(2))."""
HOURS_CHANNELS = frozenset({Channel.CALL, Channel.SMS, Channel.EMAIL})
"""Channels bound by the local hours; a letter is not."""


@dataclass(frozen=True)
class ComplianceProfile:
    """A portfolio's compliance numbers; the defaults are Regulation F's."""

    max_calls_per_7_days: int = 7
    quiet_days_after_conversation: int = 7
    """Local days without calls after a telephone conversation; the conversation's day is day 1."""
    earliest_local: time = time(8, 0)
    latest_local: time = time(21, 0)
    """Contact must happen before this local time."""
    validation_notice_first: bool = True
    texts_count_as_calls: bool = False
    """Texts count toward `max_calls_per_7_days` (e.g. Massachusetts, 940 CMR 7.04(1)(f))."""
    max_communications_per_7_days: int | None = None
    """A cap on calls, texts and emails together in any 7 days (a state or city rule); None for none."""
    name: str = "reg-f"

    def __post_init__(self) -> None:
        if self.max_calls_per_7_days < 0 or self.quiet_days_after_conversation < 0:
            raise ValueError(f"{self.name}: call limits cannot be negative")
        if not self.earliest_local < self.latest_local:
            raise ValueError(f"{self.name}: earliest_local must come before latest_local")

    def with_overlay(self, **changes: Any) -> ComplianceProfile:
        """This profile with some numbers changed, e.g. a state allowing 2 calls per 7 days."""
        return replace(self, **changes)


REG_F = ComplianceProfile()


def most_restrictive(first: ComplianceProfile, *others: ComplianceProfile) -> ComplianceProfile:
    """The profile that obeys every one given: the lowest limits, the longest quiet period, the
    narrowest hours. A strategy's profile combined with the rule packs that apply can only tighten them."""
    profiles = (first, *others)
    caps = [p.max_communications_per_7_days for p in profiles if p.max_communications_per_7_days is not None]
    return ComplianceProfile(
        max_calls_per_7_days=min(p.max_calls_per_7_days for p in profiles),
        quiet_days_after_conversation=max(p.quiet_days_after_conversation for p in profiles),
        earliest_local=max(p.earliest_local for p in profiles),
        latest_local=min(p.latest_local for p in profiles),
        validation_notice_first=any(p.validation_notice_first for p in profiles),
        texts_count_as_calls=any(p.texts_count_as_calls for p in profiles),
        max_communications_per_7_days=min(caps) if caps else None,
        name="+".join(dict.fromkeys(p.name for p in profiles)),
    )


@dataclass
class AccountContactFacts:
    """What the gate knows about the account: standing instructions and the contact history."""

    cease_communication: bool = False
    attorney_known: bool = False
    attorney_point_ids: frozenset[int] = frozenset()
    """Contact points that belong to the debtor's attorney; any of them means an attorney is known."""
    attorney_allows_direct_contact: bool = False
    """The attorney consented to direct contact or did not respond in a reasonable time (1006.6(b)(2))."""
    validation_notice_sent_at: datetime | None = None
    history: list[ContactRecord] = field(default_factory=list)
    """Sent and blocked attempts, and inbound contacts (inbound=True)."""

    @property
    def represented_by_attorney(self) -> bool:
        return self.attorney_known or bool(self.attorney_point_ids)

    def is_attorney_point(self, point: ContactPoint) -> bool:
        return point.role == "attorney" or point.point_id in self.attorney_point_ids

    def is_attorney_point_id(self, point_id: int) -> bool:
        return point_id in self.attorney_point_ids


@dataclass(frozen=True)
class ContactRequest:
    channel: Channel
    point: ContactPoint
    autodialed: bool = False
    validation_notice: bool = False
    """This contact is the validation notice itself."""
    purpose: Purpose = Purpose.COLLECTION
    """A purpose some standing instructions allow (a notice after a cease, one opt-out confirmation)."""


@dataclass(frozen=True)
class GateDecision:
    """`allowed_at` is now when allowed now, a later instant when the contact must wait, and None
    when it is not allowed until something else changes; `rule` is what refused or set the wait."""

    allowed_at: datetime | None
    rule: Rule | None

    @property
    def allowed_now(self) -> bool:
        return self.allowed_at is not None and self.rule is None


def counts_as_call_attempt(record: ContactRecord) -> bool:
    """Placed calls, voicemails and limited-content messages count; blocked and inbound ones do not,
    nor calls that did not connect (busy, number not in service: 1006.14(b)(3)(ii))."""
    return (
        record.channel == Channel.CALL
        and record.sent
        and not record.inbound
        and record.outcome not in NOT_CONNECTED_OUTCOMES
    )


def is_conversation(record: ContactRecord) -> bool:
    """A telephone conversation about the debt, whoever placed the call."""
    return record.channel == Channel.CALL and record.outcome in CONVERSATION_OUTCOMES


def earliest_allowed(
    request: ContactRequest, facts: AccountContactFacts, profile: ComplianceProfile, now: datetime
) -> GateDecision:
    """When `request` may go out at the earliest, as seen at `now` (timezone-aware)."""
    now = utc(now)
    refused = refusal(request, facts, profile)
    if refused is not None:
        return GateDecision(None, refused)
    return _settle(now, _time_checks(request, facts, profile))


def refusal(request: ContactRequest, facts: AccountContactFacts, profile: ComplianceProfile) -> Rule | None:
    """The first rule that forbids the contact whatever the time, or None."""
    standing = standing_refusal(request, facts)
    if standing is not None:
        return standing
    if _notice_required(request, profile) and facts.validation_notice_sent_at is None:
        return Rule.VALIDATION_NOTICE_FIRST  # 1006.34(a)(1)(i)(A)/(B), 1006.42(a): the notice goes first
    return None


def standing_refusal(request: ContactRequest, facts: AccountContactFacts) -> Rule | None:
    """The standing instructions and the point's state that forbid the contact, or None: what the
    workflow asks before deciding and the send activity asks again at the moment of sending."""
    point = request.point
    if facts.cease_communication and not _allowed_after_cease(request):
        return Rule.CEASE_COMMUNICATION  # 1006.6(c)(1)
    if (
        facts.represented_by_attorney
        and not facts.is_attorney_point(point)
        and not facts.attorney_allows_direct_contact
    ):
        return Rule.ATTORNEY_REPRESENTED  # 1006.6(b)(2)
    if point.bad:
        return Rule.BAD_CONTACT_POINT
    if opted_out(request.channel, point) and not _confirms_opt_out(request, facts):
        return Rule.OPTED_OUT  # 1006.6(e) (electronic), 1006.14(h)(1) (any medium, "stop calling")
    if not _consented(request):
        return Rule.NO_CONSENT
    return None


def opted_out(channel: Channel, point: ContactPoint) -> bool:
    """The person asked not to be reached at this point, or not through this channel there."""
    return point.opted_out or channel.value in point.opted_out_channels


def _allowed_after_cease(request: ContactRequest) -> bool:
    """After a cease request, only a written notice that collection stops or that a remedy may or will
    be invoked (1006.6(c)(2)(i)-(iii))."""
    return request.purpose in CEASE_EXEMPT_PURPOSES and request.channel in WRITTEN_CHANNELS


def _confirms_opt_out(request: ContactRequest, facts: AccountContactFacts) -> bool:
    """One reply confirming the opt-out, on the opted-out channel and point, and only one (1006.14(h)(2))."""
    return request.purpose == Purpose.OPT_OUT_CONFIRMATION and not any(
        r.sent and r.purpose == Purpose.OPT_OUT_CONFIRMATION and r.point_id == request.point.point_id
        and r.channel == request.channel
        for r in facts.history
    )  # fmt: skip


def point_zones(point: ContactPoint) -> tuple[ZoneInfo, ...]:
    """The zones the point's holder may be in; every US zone when the point names no valid one."""
    return tuple(ZoneInfo(name) for name in valid_zones(point.zones) or ALL_US_ZONES)


def _consented(request: ContactRequest) -> bool:
    if request.channel == Channel.SMS:
        return request.point.consent_sms
    if request.channel == Channel.CALL and request.autodialed:
        return request.point.consent_autodialer
    return True


def _notice_required(request: ContactRequest, profile: ComplianceProfile) -> bool:
    return profile.validation_notice_first and not request.validation_notice and request.purpose == Purpose.COLLECTION


def _time_checks(
    request: ContactRequest, facts: AccountContactFacts, profile: ComplianceProfile
) -> list[tuple[Rule, TimeCheck]]:
    zones = point_zones(request.point)
    checks: list[tuple[Rule, TimeCheck]] = []
    if _notice_required(request, profile) and facts.validation_notice_sent_at is not None:
        checks.append((Rule.VALIDATION_NOTICE_FIRST, partial(_not_before, utc(facts.validation_notice_sent_at))))
    consents = [utc(r.at) for r in facts.history if r.consent_to_calls]
    same_party = [
        r for r in facts.history if facts.is_attorney_point_id(r.point_id) == facts.is_attorney_point(request.point)
    ]
    if _call_limited(request.channel, profile):
        # Counted: calls placed to this party (calls to the consumer's attorney are not the consumer's,
        # 1006.14(b)(3)(iii)) outside a consent's 7 days (1006.14(b)(3)(i)); texts too where a rule pack says so.
        counted = [
            utc(r.at) for r in same_party
            if (counts_as_call_attempt(r) or (profile.texts_count_as_calls and _sent_text(r)))
            and not _consented_at(consents, utc(r.at))
        ]  # fmt: skip
        conversations = [utc(r.at) for r in same_party if is_conversation(r)]
        under_limit = partial(first_day_under_limit, limit=profile.max_calls_per_7_days)
        after_quiet = partial(first_day_after_quiet, quiet_days=profile.quiet_days_after_conversation)
        checks.append((Rule.CALL_FREQUENCY, _unless_consented(consents, day_rule(zones, counted, under_limit))))
        if request.channel == Channel.CALL:  # 1006.14(b)(2)(i)(B)
            quiet = day_rule(zones, conversations, after_quiet)
            checks.append((Rule.CONVERSATION_QUIET_PERIOD, _unless_consented(consents, quiet)))
    if profile.max_communications_per_7_days is not None and request.channel in HOURS_CHANNELS:
        sent = [utc(r.at) for r in same_party if _counts_as_communication(r)]
        cap = partial(first_day_under_limit, limit=profile.max_communications_per_7_days)
        checks.append((Rule.COMMUNICATION_FREQUENCY, day_rule(zones, sent, cap)))
    if request.channel in HOURS_CHANNELS:
        hours = partial(inside_hours, zones, profile.earliest_local, profile.latest_local)
        checks.append((Rule.CALLING_HOURS, _unless_replying(request, facts, hours)))
    return checks


def _call_limited(channel: Channel, profile: ComplianceProfile) -> bool:
    return channel == Channel.CALL or (channel == Channel.SMS and profile.texts_count_as_calls)


def _sent_text(record: ContactRecord) -> bool:
    return record.channel == Channel.SMS and record.sent and not record.inbound


def _counts_as_communication(record: ContactRecord) -> bool:
    """Outbound calls, texts and emails that went out (a rule pack's cap across media)."""
    if record.channel == Channel.CALL:
        return counts_as_call_attempt(record)
    return record.channel in HOURS_CHANNELS and record.sent and not record.inbound


def _consented_at(consents: list[datetime], at: datetime) -> bool:
    return any(given <= at < given + timedelta(days=CONSENT_DAYS) for given in consents)


def _unless_consented(consents: list[datetime], check: TimeCheck) -> TimeCheck:
    """A frequency rule that calls within a consent's 7 days are free of (1006.14(b)(3)(i))."""
    return lambda at: at if _consented_at(consents, at) else check(at)


def _unless_replying(request: ContactRequest, facts: AccountContactFacts, hours: TimeCheck) -> TimeCheck:
    """The hours rule, except for one reply, at once and in the same medium, to a consumer who contacted
    the collector at an inconvenient time (comment 6(b)(1)-2)."""
    if request.purpose != Purpose.REPLY_TO_CONSUMER:
        return hours
    inbound = [r for r in facts.history if r.inbound and r.channel == request.channel]
    replies = [utc(r.at) for r in facts.history if r.sent and r.purpose == Purpose.REPLY_TO_CONSUMER]
    if not inbound:
        return hours
    last = max(inbound, key=lambda r: utc(r.at))
    contacted_at = utc(last.at)
    if any(reply >= contacted_at for reply in replies) or hours(contacted_at) == contacted_at:
        return hours  # replied already, or the consumer's contact was at a convenient time
    return lambda at: at if contacted_at <= at < contacted_at + REPLY_WINDOW else hours(at)


def _settle(now: datetime, checks: list[tuple[Rule, TimeCheck]]) -> GateDecision:
    """Apply the time rules until none moves the time. The reason given is the first rule that moved
    it: why the contact cannot go now (a frequency wait ending at midnight is still a frequency wait)."""
    at, binding = now, None
    for _ in range(MAX_PASSES):
        moved = False
        for rule, check in checks:
            later = check(at)
            if later is None:
                return GateDecision(None, rule)
            if later > at:
                at, binding, moved = later, binding or rule, True
        if not moved:
            return GateDecision(at, binding)
    return GateDecision(None, binding)


def _not_before(start: datetime, at: datetime) -> datetime:
    return max(at, start)


def assumed_receipt_date(sent_at: datetime, *, business_days: int = 5) -> date:
    """The day a mailed notice is assumed received: `business_days` days after the (UTC) day it was
    sent, excluding legal public holidays, Saturdays and Sundays (1006.34(b)(5))."""
    return add_business_days(utc(sent_at).date(), business_days)


def validation_period_end(sent_at: datetime, *, receipt_business_days: int = 5, period_days: int = 30) -> date:
    """The last day of the validation period: `period_days` after the assumed receipt of the notice
    (1006.34(b)(5)); a notice sent Wed 2026-11-25 (Thanksgiving the day after) ends on 2027-01-02."""
    received = assumed_receipt_date(sent_at, business_days=receipt_business_days)
    return received + timedelta(days=period_days)


def first_communication_at(facts: AccountContactFacts) -> datetime | None:
    """The first communication with the consumer that was not the validation notice: a contact that
    went out to the consumer, or a conversation the consumer started."""
    instants = [
        utc(r.at) for r in facts.history
        if not r.validation_notice and not facts.is_attorney_point_id(r.point_id)
        and (_went_out(r) or (r.inbound and r.outcome in CONVERSATION_OUTCOMES))
    ]  # fmt: skip
    return min(instants, default=None)


def _went_out(record: ContactRecord) -> bool:
    return record.sent and not record.inbound and record.outcome not in NOT_CONNECTED_OUTCOMES


def validation_notice_due(facts: AccountContactFacts) -> date | None:
    """The last day the validation notice may go out when another communication came first: five
    business days after it (1006.34(a)(1)(i)(B)); None when the notice went out or nothing came first."""
    if facts.validation_notice_sent_at is not None:
        return None
    first = first_communication_at(facts)
    return None if first is None else add_business_days(first.date(), NOTICE_BUSINESS_DAYS)
