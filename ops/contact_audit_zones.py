"""Where the person may be, for the contact audit (1006.6(b)(1)(i)): its own state table and
`phonenumbers`' area-code data, not borrowed from the engine; local times from `zoneinfo`.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezone

from ops.contact_audit_rows import Row

# Where the person may be (1006.6(b)(1)(i)): the IANA zones of each state and territory ("State" in the
# FDCPA, 15 U.S.C. 1692a(8), includes the territories and possessions). Kept here, not borrowed from the engine.
_ET, _CT, _MT, _PT = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (_CT,), "AK": ("America/Anchorage", "America/Adak"), "AZ": ("America/Phoenix", _MT), "AR": (_CT,),
    "CA": (_PT,), "CO": (_MT,), "CT": (_ET,), "DE": (_ET,), "DC": (_ET,), "FL": (_ET, _CT), "GA": (_ET,),
    "HI": ("Pacific/Honolulu",), "ID": ("America/Boise", _PT), "IL": (_CT,),
    "IN": ("America/Indiana/Indianapolis", _CT), "IA": (_CT,), "KS": (_CT, _MT),
    "KY": ("America/Kentucky/Louisville", _CT), "LA": (_CT,), "ME": (_ET,), "MD": (_ET,), "MA": (_ET,),
    "MI": ("America/Detroit", "America/Menominee"), "MN": (_CT,), "MS": (_CT,), "MO": (_CT,), "MT": (_MT,),
    "NE": (_CT, _MT), "NV": (_PT,), "NH": (_ET,), "NJ": (_ET,), "NM": (_MT,), "NY": (_ET,), "NC": (_ET,),
    "ND": (_CT, _MT), "OH": (_ET,), "OK": (_CT,), "OR": (_PT, "America/Boise"), "PA": (_ET,), "RI": (_ET,),
    "SC": (_ET,), "SD": (_CT, _MT), "TN": (_ET, _CT), "TX": (_CT, _MT), "UT": (_MT,), "VT": (_ET,),
    "VA": (_ET,), "WA": (_PT,), "WV": (_ET,), "WI": (_CT,), "WY": (_MT,),
    "PR": ("America/Puerto_Rico",), "VI": ("America/St_Thomas",), "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",), "AS": ("Pacific/Pago_Pago",),
}  # fmt: skip
EVERY_US_ZONE: tuple[str, ...] = tuple(sorted({z for zones in STATE_ZONES.values() for z in zones}))
"""Nothing known of where the person is: every zone of every state and territory."""


@cache
def phone_zones(number: str) -> tuple[str, ...]:
    """The zones of a phone's area code (phonenumbers' data); a territory by its region; unknown: every US zone."""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return EVERY_US_ZONE
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
    if zones:
        return zones
    region = phonenumbers.region_code_for_number(parsed) or ""
    return STATE_ZONES.get(region, EVERY_US_ZONE) if region != "US" else EVERY_US_ZONE


def person_zones(row: Row) -> tuple[str, ...]:
    """Every zone the information points to (1006.6(b)(1)(i), comment 6(b)(1)(i)-1: convenient in all of them).

    The consumer (and a personal representative, a "consumer" under 1006.6(a)(4), reached at the
    debtor's points): the point's recorded zone, the address's zone (else every zone of its state),
    every phone of the debtor's. Someone else's point (a representative's own): its zone and phone only.
    """
    zones: set[str] = set()
    if row.point_zone:
        zones.add(row.point_zone)
    if row.point_phone:
        zones.update(phone_zones(row.point_phone))
    if row.point_role in ("", "debtor"):
        if row.address_zone:
            zones.add(row.address_zone)
        elif row.address_state:
            zones.update(STATE_ZONES.get(row.address_state.upper(), EVERY_US_ZONE))
        for phone in row.debtor_phones:
            zones.update(phone_zones(phone))
    return tuple(sorted(zones)) or EVERY_US_ZONE


def local_time(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))
