"""Where a debtor may be: the IANA time zones of US states and territories and of phone numbers.

Regulation F 1006.6(b)(1)(i) and comment 6(b)(1)(i)-1: a time is convenient only if it is convenient
in every location the collector's information points to. So the zones of a contact point are the
UNION of what is known (`point_zones`), and the gate requires each of them to be inside the calling
hours. A phone's zones come from `phonenumbers`' data (maintained upstream), not a hand-kept table.

`phonenumbers` is imported on first use only: the workflow sandbox imports this module (through
`domain.compliance`, for `ALL_US_ZONES` and `valid_zones`) and stays standard-library only; the store
and the web, which compute the zones, are the callers of `phone_zones`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EASTERN = "America/New_York"
CENTRAL = "America/Chicago"
MOUNTAIN = "America/Denver"
ARIZONA = "America/Phoenix"
PACIFIC = "America/Los_Angeles"
ALASKA = "America/Anchorage"
HAWAII = "Pacific/Honolulu"
BOISE = "America/Boise"
DETROIT = "America/Detroit"
MENOMINEE = "America/Menominee"
INDIANAPOLIS = "America/Indiana/Indianapolis"
LOUISVILLE = "America/Kentucky/Louisville"
ALEUTIAN = "America/Adak"

PUERTO_RICO = "America/Puerto_Rico"
VIRGIN_ISLANDS = "America/St_Thomas"
GUAM = "Pacific/Guam"
NORTHERN_MARIANAS = "Pacific/Saipan"
AMERICAN_SAMOA = "Pacific/Pago_Pago"
TERRITORY_ZONES: dict[str, tuple[str, ...]] = {
    "PR": (PUERTO_RICO,),
    "VI": (VIRGIN_ISLANDS,),
    "GU": (GUAM,),
    "MP": (NORTHERN_MARIANAS,),
    "AS": (AMERICAN_SAMOA,),
}
"""The territories, by their postal (and phonenumbers region) codes. "State" in the FDCPA includes
every territory and possession (FDCPA 803(8), 15 U.S.C. 1692a(8)): a debtor there is protected alike."""

ALL_US_ZONES: tuple[str, ...] = (
    EASTERN, CENTRAL, MOUNTAIN, ARIZONA, PACIFIC, ALASKA, HAWAII,
    PUERTO_RICO, VIRGIN_ISLANDS, GUAM, NORTHERN_MARIANAS, AMERICAN_SAMOA,
)  # fmt: skip
"""Every US zone, the territories included (15 U.S.C. 1692a(8)): the answer when nothing is known about
the location (1006.6(b)(1)(i)). The 08:00-21:00 windows of all of them still overlap every day, from
22:00 to 01:00 UTC (08:00-11:00 in Guam, 18:00-21:00 in Puerto Rico, 11:00-14:00 in American Samoa), so
the gate never blocks such a contact forever (tests/unit/test_timezones.py)."""

_E, _C, _M, _P = (EASTERN,), (CENTRAL,), (MOUNTAIN,), (PACIFIC,)

US_STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": _C,
    "AK": (ALASKA, ALEUTIAN),
    "AZ": (ARIZONA, MOUNTAIN),  # the Navajo Nation keeps daylight saving time
    "AR": _C,
    "CA": _P,
    "CO": _M,
    "CT": _E,
    "DE": _E,
    "DC": _E,
    "FL": (EASTERN, CENTRAL),  # the western panhandle is Central
    "GA": _E,
    "HI": (HAWAII,),
    "ID": (BOISE, PACIFIC),  # the northern panhandle is Pacific
    "IL": _C,
    "IN": (INDIANAPOLIS, CENTRAL),  # the northwest and southwest corners are Central
    "IA": _C,
    "KS": (CENTRAL, MOUNTAIN),
    "KY": (LOUISVILLE, CENTRAL),
    "LA": _C,
    "ME": _E,
    "MD": _E,
    "MA": _E,
    "MI": (DETROIT, MENOMINEE),  # four Upper Peninsula counties are Central
    "MN": _C,
    "MS": _C,
    "MO": _C,
    "MT": _M,
    "NE": (CENTRAL, MOUNTAIN),
    "NV": (PACIFIC, MOUNTAIN),  # West Wendover is Mountain
    "NH": _E,
    "NJ": _E,
    "NM": _M,
    "NY": _E,
    "NC": _E,
    "ND": (CENTRAL, MOUNTAIN),
    "OH": _E,
    "OK": _C,
    "OR": (PACIFIC, BOISE),  # most of Malheur County is Mountain
    "PA": _E,
    "RI": _E,
    "SC": _E,
    "SD": (CENTRAL, MOUNTAIN),
    "TN": (EASTERN, CENTRAL),
    "TX": (CENTRAL, MOUNTAIN),  # El Paso and Hudspeth counties are Mountain
    "UT": _M,
    "VT": _E,
    "VA": _E,
    "WA": _P,
    "WV": _E,
    "WI": _C,
    "WY": _M,
    **TERRITORY_ZONES,
}

_NANP_NUMBER = re.compile(r"\+1(\d{3})\d{7}")
_NUMBER_PUNCTUATION = str.maketrans("", "", " -.()")
_UNKNOWN_ZONE = "Etc/Unknown"
"""What phonenumbers answers for a number it cannot place."""
DEBTOR = "debtor"
THIRD_PARTY_ROLES = ("attorney", "representative")
"""Points that reach someone else than the debtor: the debtor's attorney (1006.6(b)(2)) or a deceased
debtor's personal representative (1006.6(a)(4)); where the debtor may be says nothing of where they are."""


@cache
def zone_info(name: str) -> ZoneInfo | None:
    """The zone called `name`, or None when no such IANA zone exists."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def valid_zones(names: Iterable[str | None]) -> tuple[str, ...]:
    """The names that are real IANA zones, in order, without repeats."""
    return tuple(dict.fromkeys(name for name in names if name and zone_info(name) is not None))


def area_code(phone: str | None) -> str | None:
    """The area code of a North American number in E.164 form (`+1AAANNNNNNN`), else None."""
    match = _NANP_NUMBER.fullmatch((phone or "").translate(_NUMBER_PUNCTUATION))
    return match.group(1) if match else None


@lru_cache(maxsize=4096)  # bounded: a worker sees every debtor's number
def phone_zones(phone: str | None) -> tuple[str, ...]:
    """Every zone a phone number points to (1006.6(b)(1)(i), comment 6(b)(1)(i)-1), from phonenumbers' data;
    () for a number it cannot place.

    A North American number whose exchange the data does not list (the 555 numbers of examples and tests,
    a new exchange) points to its whole area code: every zone the data gives any part of it (270, western
    Kentucky: Eastern and Central). A territory's number phonenumbers cannot time-zone (+1 684 555 0100 is
    American Samoa but not a valid number) gets its territory's zone from its region (TERRITORY_ZONES).
    """
    import phonenumbers  # noqa: PLC0415 (first use only: see the module's docstring)
    from phonenumbers.timezone import time_zones_for_number  # noqa: PLC0415

    try:
        number = phonenumbers.parse((phone or "").strip(), None)
    except phonenumbers.NumberParseException:
        return ()
    zones = [zone for zone in time_zones_for_number(number) if zone != _UNKNOWN_ZONE]
    if number.country_code == 1:
        digits = "1" + phonenumbers.national_significant_number(number)
        if not _exchange_listed(digits):
            zones += _area_code_zones(digits[:4])
    if not zones:
        zones += TERRITORY_ZONES.get(phonenumbers.region_code_for_number(number) or "", ())
    return valid_zones(zones)


def _exchange_listed(digits: str) -> bool:
    """phonenumbers' data places this North American number more precisely than by its area code."""
    from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX  # noqa: PLC0415

    return any(digits[:size] in TIMEZONE_DATA for size in range(5, min(len(digits), TIMEZONE_LONGEST_PREFIX) + 1))


@cache
def _area_code_zones(prefix: str) -> tuple[str, ...]:
    """Every zone phonenumbers gives any number under `prefix` ('1' and the area code): its default first."""
    from phonenumbers.tzdata import TIMEZONE_DATA  # noqa: PLC0415

    found = list(TIMEZONE_DATA.get(prefix, ()))
    for key in sorted(key for key in TIMEZONE_DATA if key.startswith(prefix) and key != prefix):
        found += TIMEZONE_DATA[key]
    return tuple(dict.fromkeys(zone for zone in found if zone != _UNKNOWN_ZONE))


@dataclass(frozen=True)
class KnownPoint:
    """What the zones rule needs of a contact point (a store row or a web page's mapping)."""

    kind: str
    value: str
    role: str = DEBTOR
    zone: str | None = None
    """The zone staff recorded for the point, if any."""
    bad: bool = False
    """A wrong number: it says nothing of where the debtor is."""


def point_zones(
    point: KnownPoint | None, *, points: Sequence[KnownPoint], address_zone: str | None, state: str | None
) -> tuple[str, ...]:
    """Where the person reached at `point` may be (the debtor, for no point): the one rule the store, the
    gate's snapshot, the attempts listing, the CLI and the web all call.

    1006.6(b)(1)(i) and comment 6(b)(1)(i)-1 (convenient in every location the information points to):
    for the debtor, the UNION of the point's recorded zone, the address's (its recorded zone, else its
    state's or territory's zones), every zone staff recorded on another of the debtor's points, and the
    zones of every phone of the debtor on the account (not only this point's; a wrong number is not the
    debtor's). For an attorney's or personal representative's point (1006.6(b)(2), 1006.6(a)(4)): that
    point's recorded zone and phone only. With nothing known: every US zone, the territories included.
    The order is for display (`local_iso` shows the first): the point's own zone, the address, the rest.
    """
    if point is not None and point.role in THIRD_PARTY_ROLES:
        sources: list[Iterable[str | None]] = [(point.zone,), _phone_of(point)]
    else:
        debtors = [p for p in points if p.role not in THIRD_PARTY_ROLES and not p.bad]
        address = valid_zones((address_zone,)) or US_STATE_ZONES.get((state or "").strip().upper(), ())
        sources = [
            (point.zone if point is not None else None,),
            address,
            (p.zone for p in debtors),
            _phone_of(point) if point is not None and not point.bad else (),
            *(_phone_of(p) for p in debtors),
        ]
    return valid_zones(zone for names in sources for zone in names) or ALL_US_ZONES


def _phone_of(point: KnownPoint) -> tuple[str, ...]:
    """A phone's zones; one nobody can place (+1 999 ...) leaves the debtor anywhere: every US zone (the
    strict reading of 1006.6(b)(1)(i), as the independent checker `ops/contact_audit.py` reads it)."""
    if point.kind != "phone":
        return ()
    return phone_zones(point.value) or ALL_US_ZONES
