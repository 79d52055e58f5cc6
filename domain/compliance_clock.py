"""The compliance gate's clock: the debtor's local days and hours, in every zone the debtor may be in.

Pure arithmetic for domain/compliance.py, which says which records count and cites each rule: a day-based
rule turned into a time check, the 7-day windows of the frequency limits, the quiet days after a
conversation, the window of local hours, and the UTC instant of a local clock time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WINDOW_DAYS = 7
"""Call frequency is counted over any 7 consecutive days (1006.14(b)(2)(i))."""
HOURS_SEARCH_DAYS = 14
"""How far ahead the hours rule looks for an instant inside the window in every zone."""

_ONE_DAY = timedelta(days=1)
MAX_PASSES = 64
"""How many times a search may move the time before it answers None (never)."""

TimeCheck = Callable[[datetime], datetime | None]
"""One time rule: the earliest instant at or after the given one that it allows, or None for never."""

FirstAllowedDay = Callable[[Counter[date], date], date | None]
"""A day-based rule: given the events per local day, the first allowed day from the given one, or None."""


def day_rule(zones: tuple[ZoneInfo, ...], events: list[datetime], first_allowed_day: FirstAllowedDay) -> TimeCheck:
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


def first_day_under_limit(calls: Counter[date], day: date, *, limit: int) -> date | None:
    """The first day from `day` on which one more call leaves every 7-day window at or under `limit`."""
    if limit <= 0:
        return None
    while any(_calls_in_window(calls, day - k * _ONE_DAY) >= limit for k in range(WINDOW_DAYS)):
        day += _ONE_DAY
    return day


def _calls_in_window(calls: Counter[date], first: date) -> int:
    return sum(calls[first + k * _ONE_DAY] for k in range(WINDOW_DAYS))


def first_day_after_quiet(conversations: Counter[date], day: date, *, quiet_days: int) -> date:
    """The first day from `day` outside every conversation's quiet days (its own day and the next ones)."""
    for conversation_day in sorted(conversations):
        if conversation_day <= day < conversation_day + quiet_days * _ONE_DAY:
            day = conversation_day + quiet_days * _ONE_DAY
    return day


def inside_hours(zones: Iterable[ZoneInfo], earliest: time, latest: time, at: datetime) -> datetime | None:
    """The first instant from `at` that is within [earliest, latest) local time in every zone."""
    horizon = at + timedelta(days=HOURS_SEARCH_DAYS)
    for _ in range(MAX_PASSES):
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


def utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"the compliance gate needs timezone-aware instants, got {moment!r}")
    return moment.astimezone(UTC)
