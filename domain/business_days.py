"""Business days: weekdays that are not legal public holidays (5 U.S.C. 6103), from the `holidays`
package's US federal calendar, with the days a holiday is observed on (a Saturday's holiday is
observed on the Friday before, a Sunday's on the Monday after).

Regulation F counts business days this way wherever it counts them: the assumed receipt of the
validation notice (1006.34(b)(5)) and the notice's deadline after a first other communication
(1006.34(a)(1)(i)(B)).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

CALENDAR_YEARS = range(1990, 2101)


@cache
def _calendar() -> frozenset[date]:
    """Every legal public holiday of CALENDAR_YEARS, computed once per process. The package reads its
    translation files, which a workflow may not do: a worker computes it before any workflow runs
    (`workflows.workflow_runner`); elsewhere the first use does (and its 0.3 s of imports)."""
    from holidays.countries.united_states import UnitedStates  # noqa: PLC0415 (loads every country: 0.15 s)

    return frozenset(UnitedStates(years=CALENDAR_YEARS, observed=True))


def warm() -> None:
    _calendar()


@cache
def legal_public_holidays(year: int) -> frozenset[date]:
    """The legal public holidays of `year`, observed days included."""
    if year not in CALENDAR_YEARS:
        raise ValueError(f"no holiday calendar for {year}: business days are counted for {CALENDAR_YEARS.start}-2100")
    return frozenset(day for day in _calendar() if day.year == year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in legal_public_holidays(day.year)


def add_business_days(day: date, count: int) -> date:
    """The `count`th business day after `day` (`day` itself is not counted)."""
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day
