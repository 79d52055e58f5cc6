"""The Regulation F gate (12 CFR part 1006): may this contact go out now, and if not, from when?

Pure: `now` and everything known about the account are parameters. Rules that forbid a contact
whatever the time are checked first, in order; then the time rules (validation notice sent, call
frequency, quiet days after a conversation, local hours) each push the time to the earliest instant
they allow, until none moves it. Day-based rules count the debtor's local calendar days, in every
zone the debtor may be in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from domain.contact import CONVERSATION_OUTCOMES, Channel, ContactPoint, ContactRecord, Rule
from domain.timezones import ALL_US_ZONES, valid_zones

WINDOW_DAYS = 7
"""Call frequency is counted over any 7 consecutive days (1006.14(b)(2)(i))."""
HOURS_SEARCH_DAYS = 14
"""How far ahead the hours rule looks for an instant inside the window in every zone."""
HOURS_CHANNELS = frozenset({Channel.CALL, Channel.SMS, Channel.EMAIL})
"""Channels bound by the local hours; a letter is not."""

_ONE_DAY = timedelta(days=1)
_MAX_PASSES = 64

TimeCheck = Callable[[datetime], datetime | None]
"""One time rule: the earliest instant at or after the given one that it allows, or None for never."""


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
    validation_notice_sent_at: datetime | None = None
    history: list[ContactRecord] = field(default_factory=list)
    """Sent and blocked attempts, and inbound contacts (inbound=True)."""

    @property
    def represented_by_attorney(self) -> bool:
        return self.attorney_known or bool(self.attorney_point_ids)

    def is_attorney_point(self, point: ContactPoint) -> bool:
        return point.role == "attorney" or point.point_id in self.attorney_point_ids


@dataclass(frozen=True)
class ContactRequest:
    channel: Channel
    point: ContactPoint
    autodialed: bool = False
    validation_notice: bool = False
    """This contact is the validation notice itself."""


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
    """Placed calls, voicemails and limited-content messages count; blocked and inbound ones do not."""
    return record.channel == Channel.CALL and record.sent and not record.inbound


def is_conversation(record: ContactRecord) -> bool:
    """A telephone conversation about the debt, whoever placed the call."""
    return record.channel == Channel.CALL and record.outcome in CONVERSATION_OUTCOMES


def earliest_allowed(
    request: ContactRequest, facts: AccountContactFacts, profile: ComplianceProfile, now: datetime
) -> GateDecision:
    """When `request` may go out at the earliest, as seen at `now` (timezone-aware)."""
    now = _utc(now)
    refused = refusal(request, facts, profile)
    if refused is not None:
        return GateDecision(None, refused)
    return _settle(now, _time_checks(request, facts, profile))


def refusal(request: ContactRequest, facts: AccountContactFacts, profile: ComplianceProfile) -> Rule | None:
    """The first rule that forbids the contact whatever the time, or None."""
    point = request.point
    if facts.cease_communication:
        return Rule.CEASE_COMMUNICATION
    if facts.represented_by_attorney and not facts.is_attorney_point(point):
        return Rule.ATTORNEY_REPRESENTED
    if point.bad:
        return Rule.BAD_CONTACT_POINT
    if point.opted_out:
        return Rule.OPTED_OUT
    if not _consented(request):
        return Rule.NO_CONSENT
    if _notice_required(request, profile) and facts.validation_notice_sent_at is None:
        return Rule.VALIDATION_NOTICE_FIRST
    return None


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
    return profile.validation_notice_first and not request.validation_notice


def _time_checks(
    request: ContactRequest, facts: AccountContactFacts, profile: ComplianceProfile
) -> list[tuple[Rule, TimeCheck]]:
    zones = point_zones(request.point)
    checks: list[tuple[Rule, TimeCheck]] = []
    if _notice_required(request, profile) and facts.validation_notice_sent_at is not None:
        checks.append((Rule.VALIDATION_NOTICE_FIRST, partial(_not_before, _utc(facts.validation_notice_sent_at))))
    if request.channel == Channel.CALL:
        calls = [_utc(r.at) for r in facts.history if counts_as_call_attempt(r)]
        conversations = [_utc(r.at) for r in facts.history if is_conversation(r)]
        under_limit = partial(_first_day_under_limit, limit=profile.max_calls_per_7_days)
        after_quiet = partial(_first_day_after_quiet, quiet_days=profile.quiet_days_after_conversation)
        checks.append((Rule.CALL_FREQUENCY, _day_rule(zones, calls, under_limit)))
        checks.append((Rule.CONVERSATION_QUIET_PERIOD, _day_rule(zones, conversations, after_quiet)))
    if request.channel in HOURS_CHANNELS:
        checks.append((Rule.CALLING_HOURS, partial(_inside_hours, zones, profile.earliest_local, profile.latest_local)))
    return checks


def _settle(now: datetime, checks: list[tuple[Rule, TimeCheck]]) -> GateDecision:
    """Apply the time rules until none moves the time. The reason given is the first rule that moved
    it: why the contact cannot go now (a frequency wait ending at midnight is still a frequency wait)."""
    at, binding = now, None
    for _ in range(_MAX_PASSES):
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


FirstAllowedDay = Callable[[Counter[date], date], date | None]
"""A day-based rule: given the events per local day, the first allowed day from the given one, or None."""


def _day_rule(zones: tuple[ZoneInfo, ...], events: list[datetime], first_allowed_day: FirstAllowedDay) -> TimeCheck:
    """A time check from a day-based rule, evaluated in every zone; the latest answer wins."""
    days_by_zone = [(zone, Counter(event.astimezone(zone).date() for event in events)) for zone in zones]

    def check(at: datetime) -> datetime | None:
        latest = at
        for zone, days in days_by_zone:
            today = at.astimezone(zone).date()
            day = first_allowed_day(days, today)
            if day is None:
                return None
            if day > today:
                latest = max(latest, _local_instant(day, time(0), zone))
        return latest

    return check


def _first_day_under_limit(calls: Counter[date], day: date, *, limit: int) -> date | None:
    """The first day from `day` on which one more call leaves every 7-day window at or under `limit`."""
    if limit <= 0:
        return None
    while any(_calls_in_window(calls, day - k * _ONE_DAY) >= limit for k in range(WINDOW_DAYS)):
        day += _ONE_DAY
    return day


def _calls_in_window(calls: Counter[date], first: date) -> int:
    return sum(calls[first + k * _ONE_DAY] for k in range(WINDOW_DAYS))


def _first_day_after_quiet(conversations: Counter[date], day: date, *, quiet_days: int) -> date:
    """The first day from `day` outside every conversation's quiet days (its own day and the next ones)."""
    for conversation_day in sorted(conversations):
        if conversation_day <= day < conversation_day + quiet_days * _ONE_DAY:
            day = conversation_day + quiet_days * _ONE_DAY
    return day


def _inside_hours(zones: Iterable[ZoneInfo], earliest: time, latest: time, at: datetime) -> datetime | None:
    """The first instant from `at` that is within [earliest, latest) local time in every zone."""
    horizon = at + timedelta(days=HOURS_SEARCH_DAYS)
    for _ in range(_MAX_PASSES):
        moved = False
        for zone in zones:
            local = at.astimezone(zone)
            if earliest <= local.time() < latest:
                continue
            day = local.date() if local.time() < earliest else local.date() + _ONE_DAY
            at, moved = _local_instant(day, earliest, zone, after=at), True
            if at > horizon:
                return None
        if not moved:
            return at
    return None


def _local_instant(day: date, clock: time, zone: ZoneInfo, *, after: datetime | None = None) -> datetime:
    """`clock` on `day` in `zone`, as UTC: the first occurrence if the clock repeats (the later one if
    the first is not after `after`); a clock skipped by a DST gap resolves to just after the gap."""
    local = datetime.combine(day, clock, tzinfo=zone)
    instant = local.astimezone(UTC)
    if after is not None and instant <= after:
        instant = local.replace(fold=1).astimezone(UTC)
    return instant


def _utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"the compliance gate needs timezone-aware instants, got {moment!r}")
    return moment.astimezone(UTC)


def assumed_receipt_date(sent_at: datetime, *, business_days: int = 5, holidays: frozenset[date] = frozenset()) -> date:
    """The day a mailed notice is assumed received: `business_days` weekdays that are not holidays
    after the (UTC) day it was sent (1006.34(b)(5))."""
    day = _utc(sent_at).date()
    remaining = business_days
    while remaining > 0:
        day += _ONE_DAY
        if day.weekday() < 5 and day not in holidays:
            remaining -= 1
    return day


def validation_period_end(
    sent_at: datetime,
    *,
    receipt_business_days: int = 5,
    period_days: int = 30,
    holidays: frozenset[date] = frozenset(),
) -> date:
    """The last day of the validation period: `period_days` after the assumed receipt of the notice."""
    received = assumed_receipt_date(sent_at, business_days=receipt_business_days, holidays=holidays)
    return received + timedelta(days=period_days)
