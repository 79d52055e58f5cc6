"""Where a debtor may be: the IANA time zones of US states and area codes, and which source wins.

When the location is uncertain every plausible zone is kept: the gate then requires each of them
to be inside the calling hours (Regulation F, 1006.6(b)(1)(i)).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
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

ALL_US_ZONES: tuple[str, ...] = (EASTERN, CENTRAL, MOUNTAIN, ARIZONA, PACIFIC, ALASKA, HAWAII)
"""The contiguous US plus Alaska and Hawaii: the answer when nothing is known about the location."""

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
    "PR": ("America/Puerto_Rico",),
    "VI": ("America/St_Thomas",),
    "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",),
    "AS": ("Pacific/Pago_Pago",),
}

_AREA_CODES_BY_ZONES: dict[tuple[str, ...], tuple[str, ...]] = {
    _E: (
        "201", "202", "203", "212", "215", "216", "239", "240", "267", "301", "302", "304", "305", "321", "330",
        "332", "347", "352", "404", "407", "410", "412", "413", "434", "440", "443", "445", "470", "475", "484",
        "508", "513", "516", "518", "540", "551", "561", "585", "603", "607", "609", "610", "614", "617", "631",
        "646", "667", "678", "704", "716", "718", "727", "732", "757", "770", "772", "774", "781", "786", "802",
        "803", "804", "813", "828", "843", "845", "848", "856", "857", "860", "862", "863", "864", "904", "908",
        "910", "914", "917", "919", "929", "937", "941", "954", "973", "978", "980", "984", "207", "401",
    ),
    _C: (
        "205", "210", "214", "217", "219", "224", "225", "251", "254", "262", "281", "309", "312", "314", "316",
        "318", "319", "320", "331", "334", "337", "346", "361", "402", "405", "409", "414", "417", "430", "469",
        "479", "501", "504", "507", "512", "515", "563", "573", "601", "608", "612", "615", "618", "629", "630",
        "636", "641", "651", "662", "682", "708", "712", "713", "715", "726", "737", "763", "773", "779", "815",
        "816", "817", "830", "832", "847", "870", "872", "901", "903", "913", "918", "920", "936", "940", "952",
        "956", "972", "979", "985",
    ),
    _M: ("303", "307", "385", "406", "435", "505", "575", "719", "720", "801", "915", "970"),
    (ARIZONA,): ("480", "520", "602", "623"),
    _P: (
        "206", "209", "213", "253", "279", "310", "323", "341", "360", "408", "415", "424", "425", "442", "503",
        "509", "510", "530", "559", "562", "564", "619", "626", "628", "650", "657", "661", "669", "702", "707",
        "714", "725", "747", "760", "805", "818", "820", "831", "858", "909", "916", "925", "949", "951", "971",
    ),
    (ALASKA, ALEUTIAN): ("907",),
    (HAWAII,): ("808",),
    (INDIANAPOLIS,): ("317", "463", "765"),
    (INDIANAPOLIS, CENTRAL): ("574", "812", "930"),
    (DETROIT,): ("248", "269", "313", "517", "586", "616", "734", "810", "947", "989"),
    (DETROIT, MENOMINEE): ("906",),
    (LOUISVILLE,): ("502", "606", "859"),
    (LOUISVILLE, CENTRAL): ("270", "364"),
    (EASTERN, CENTRAL): ("423", "850", "931"),
    (CENTRAL, MOUNTAIN): ("308", "432", "605", "620", "701", "785"),
    (BOISE, PACIFIC): ("208", "986"),
    (PACIFIC, BOISE): ("458", "541"),
    (PACIFIC, MOUNTAIN): ("775",),
    (ARIZONA, MOUNTAIN): ("928",),
    ("America/Puerto_Rico",): ("787", "939"),
}  # fmt: skip

AREA_CODE_ZONES: dict[str, tuple[str, ...]] = {
    code: zones for zones, codes in _AREA_CODES_BY_ZONES.items() for code in codes
}
"""North American area code -> the zones its numbers may be in (a number may have moved: a hint only)."""

_NANP_NUMBER = re.compile(r"\+1(\d{3})\d{7}")
_NUMBER_PUNCTUATION = str.maketrans("", "", " -.()")


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


def candidate_zones(
    *, point_zone: str | None, address_zone: str | None, state: str | None, phone: str | None
) -> tuple[str, ...]:
    """Where the person may be, from the most to the least specific source that gives a valid zone:
    the contact point, the address's zone, the address's state, the phone's area code, else all of the US.
    """
    sources = (
        (point_zone,),
        (address_zone,),
        US_STATE_ZONES.get((state or "").strip().upper(), ()),
        AREA_CODE_ZONES.get(area_code(phone) or "", ()),
    )
    for names in sources:
        zones = valid_zones(names)
        if zones:
            return zones
    return ALL_US_ZONES
