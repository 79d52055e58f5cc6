"""State and city rule packs: the rules a debtor's state or city adds to Regulation F, versioned and cited.

Pure (standard library only: the workflow sandbox imports it). A pack is a `ComplianceProfile` overlay
(the numbers the gate enforces) plus what written messages must carry (a licence number) and where it
comes from: the text, its version (the date of the text encoded) and what of it is not encoded.

Which packs apply: the account's jurisdictions (`jurisdictions_of`), from its address; where the address
names no US state, every state the debtor's phones point to; where nothing points anywhere, every pack.
The profile an account's contacts are judged by is `most_restrictive(strategy's profile, *packs)`: a
strategy can only tighten a pack (`loosened_fields` refuses an overlay that would loosen one).

Sources read for each pack (December 2026) are named next to it; each is a reading of the text, not
legal advice: a compliance officer confirms them before a pack's version changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from domain.compliance import REG_F, ComplianceProfile, most_restrictive
from domain.contact import Channel

FEDERAL = "US"
"""Regulation F (12 CFR part 1006): applies to every account; the base every pack tightens."""
MASSACHUSETTS = "US-MA"
NEW_YORK_STATE = "US-NY"
NEW_YORK_CITY = "US-NY-NYC"
CALIFORNIA = "US-CA"

WRITTEN_CHANNELS = frozenset({Channel.LETTER, Channel.EMAIL, Channel.SMS})
"""Written or digital communications (a letter, an email, a text); a call is neither."""


@dataclass(frozen=True)
class LicenceRequirement:
    """Messages on these channels must show the collector's licence number for the jurisdiction."""

    channels: frozenset[Channel]
    label: Mapping[str, str]
    """By language: the words before the number, e.g. 'California Debt Collector License No.'."""
    min_point_size: int | None = None
    """On paper, the number's type is at least this size (points)."""
    citation: str = ""


@dataclass(frozen=True)
class RulePack:
    id: str
    """The jurisdiction, ISO 3166-2 style: 'US-MA', 'US-CA'; a city below its state: 'US-NY-NYC'."""
    title: str
    """How people name the rules: 'Massachusetts 940 CMR 7.04(1)(f)'."""
    version: str
    """The effective date of the text encoded (ISO date)."""
    profile: ComplianceProfile
    citations: tuple[str, ...]
    licence: LicenceRequirement | None = None
    not_encoded: tuple[str, ...] = ()
    """What the text asks that the engine does not enforce (yet): read before relying on the pack."""


# 940 CMR 7.04(1)(f) (Massachusetts Attorney General, Debt Collection Regulations; the text as current
# through Register 1531, 2024-09-27, is the version encoded; the two-in-seven rule dates from the 2012
# amendments): a creditor may not initiate a communication with a debtor "via telephone, either in person or
# via text messaging or recorded audio message, in excess of two such communications in each seven-day
# period" to the debtor's residence, cell phone or other personal number (and two in each 30 days at other
# numbers), per debt; a communication answering the debtor's request is not initiated by the creditor. The
# AG's 2013 guidance: an attempt that truly cannot reach the debtor or leave a message is not a
# communication; Armata v. Target (Mass. SJC 2018): a call that could have left a message counts, answered
# or not. Encoded: calls and texts together, at most 2 in any 7 days (texts_count_as_calls; the gate counts
# placed attempts, stricter than "communications"; a busy signal is not placed, 1006.14(b)(3)(ii)). The
# hours (normal waking hours, else 08:00-21:00) equal Regulation F's.
MA_PACK = RulePack(
    id=MASSACHUSETTS,
    title="Massachusetts 940 CMR 7.04(1)(f)",
    version="2024-09-27",
    profile=REG_F.with_overlay(max_calls_per_7_days=2, texts_count_as_calls=True, name=MASSACHUSETTS),
    citations=(
        "940 CMR 7.04(1)(f): calls, texts and recorded messages initiated by the creditor, at most two in each "
        "seven-day period to the debtor's residence, cellular or other personal number, for each debt",
        "940 CMR 7.04(1)(f): two in each 30-day period at other numbers (e.g. work)",
        "Armata v. Target Corp., 480 Mass. 15 (2018): an unanswered call that could have left a message counts",
    ),
    not_encoded=(
        "two in each 30 days to a number that is not the debtor's residence, cell or personal number (work "
        "numbers are not told apart from personal ones yet: every phone is treated as personal, 2 in 7 days)",
        "a communication answering the debtor's request does not count (counted: stricter)",
    ),
)

# New York City, Department of Consumer and Worker Protection (DCWP), debt collection rules, 6 RCNY 5-76 ff.
# and 2-190 ff.: the amendments published 2024-08-12, postponed three times (2024-12-01, 2025-04-01,
# 2025-10-01), re-adopted with changes on 2026-02-26, effective 2026-09-01 (sources: nyc.gov DCWP "FAQs on
# New Rules for Debt Collectors"; ABA Banking Journal 2026-02-26; Sheppard Mullin 2025-08-11; Americollect
# 2026-04). Encoded: 6 RCNY 5-77 (harassment): no more than three communications or attempts to communicate
# with a consumer, through all media together, in any seven-day period, per account (the 2026 text made the
# cap per account; calls, texts and emails here: max_communications_per_7_days = 3). Hours equal Regulation
# F's. Language access (6 RCNY 5-77, 2-193): the consumer's language preference is asked, recorded and the
# record kept; the account's `language` is that record and messages are rendered in it where a template
# exists. Record keeping (6 RCNY 2-193): every communication and attempt is kept in the store (attempts,
# inbound contacts, the audit log) for at least three years (the engine deletes no record of one).
NYC_PACK = RulePack(
    id=NEW_YORK_CITY,
    title="New York City DCWP rules, 6 RCNY 5-77",
    version="2026-09-01",
    profile=REG_F.with_overlay(max_communications_per_7_days=3, name=NEW_YORK_CITY),
    citations=(
        "6 RCNY 5-77: at most three communications or attempted communications in any seven-day period, "
        "all media together, per account (amended rules effective 2026-09-01)",
        "6 RCNY 5-77 and 2-193: the consumer's language preference asked, recorded and used; records kept 3 years",
    ),
    licence=LicenceRequirement(
        channels=WRITTEN_CHANNELS,
        label={"en": "NYC DCWP License No.", "es": "Licencia DCWP de NYC n.º"},
        citation="NYC Admin. Code 20-490 (licence); printed when configured, not required by the engine",
    ),
    not_encoded=(
        "letters are not counted toward the three (the gate counts calls, texts and emails)",
        "communications answering the consumer's request, and electronic consent before emails and texts "
        "(6 RCNY 5-77): not modelled",
        "the language preference is not asked by the engine: staff record it on the account (`language`)",
    ),
)

# California: the Rosenthal Fair Debt Collection Practices Act, Civ. Code 1788 ff., as amended by the Debt
# Collection Licensing Act (SB 908, 2020; Fin. Code 100000 ff.): Civ. Code 1788.11(f): no debt collector
# shall collect by "sending written or digital communication to the person that does not display the
# California license number of the collector, if applicable, in at least 12-point type" (text as current
# 2025-01-01, "covered debt" wording of SB 1286, 2024). 1788.11(b): the licence number on request during a
# call. 1788.11(d)-(e): no repeated or unreasonably frequent calls (no number given: Regulation F's seven
# apply). 1788.17 incorporates the FDCPA (hours as Regulation F).
CA_PACK = RulePack(
    id=CALIFORNIA,
    title="California Civ. Code 1788.11(f)",
    version="2025-01-01",
    profile=REG_F.with_overlay(name=CALIFORNIA),
    citations=(
        "Civ. Code 1788.11(f): written or digital communications display the collector's California licence "
        "number in at least 12-point type (Debt Collection Licensing Act, Fin. Code 100000 ff.)",
        "Civ. Code 1788.11(b): the licence number given on request during a call",
    ),
    licence=LicenceRequirement(
        channels=WRITTEN_CHANNELS,
        label={"en": "California Debt Collector License No.", "es": "Licencia de cobrador de deudas de California n.º"},
        min_point_size=12,
        citation="Civ. Code 1788.11(f)",
    ),
    not_encoded=(
        "the notice of rights of Civ. Code 1812.700 in the first written notice",
        "the licence number read out on request during a call (1788.11(b)): the call script's job",
    ),
)

PACKS: dict[str, RulePack] = {pack.id: pack for pack in (MA_PACK, NYC_PACK, CA_PACK)}
EVERY_PACK_JURISDICTION: tuple[str, ...] = tuple(sorted(PACKS))
"""Where nothing is known about where the debtor is: every pack applies."""


def packs_for(jurisdictions: Iterable[str]) -> tuple[RulePack, ...]:
    """The packs that apply to an account in these jurisdictions, in a stable order."""
    wanted = {j.strip().upper() for j in jurisdictions}
    return tuple(PACKS[j] for j in sorted(wanted) if j in PACKS)


def account_profile(strategy_profile: ComplianceProfile, jurisdictions: Iterable[str]) -> ComplianceProfile:
    """The profile an account's contacts are judged by: the strategy's, tightened by every pack that applies."""
    packs = packs_for(jurisdictions)
    if not packs:
        return strategy_profile
    return most_restrictive(strategy_profile, *(pack.profile for pack in packs))


def rules_summary(jurisdictions: Iterable[str]) -> str:
    """What an operator reads: 'Regulation F + Massachusetts 940 CMR 7.04(1)(f)'."""
    return " + ".join(["Regulation F", *(pack.title for pack in packs_for(jurisdictions))])


# --- Where the account is -------------------------------------------------------------------------

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
    "GU": "Guam", "MP": "Northern Mariana Islands", "AS": "American Samoa",
}  # fmt: skip
"""The states, DC and the territories ("State" in the FDCPA includes the territories, 15 U.S.C. 1692a(8))."""
_STATE_BY_NAME = {name.lower(): code for code, name in US_STATES.items()} | {
    "virgin islands": "VI", "united states virgin islands": "VI", "northern mariana islands": "MP",
    "washington d.c.": "DC", "washington, d.c.": "DC",
}  # fmt: skip

NYC_CITY_NAMES = frozenset(
    {"new york", "new york city", "nyc", "manhattan", "brooklyn", "bronx", "the bronx", "staten island", "queens"}
)
"""Postal city names of the five boroughs (Queens addresses often use a neighbourhood: the ZIP catches those)."""
NYC_ZIP_PREFIXES = frozenset({"100", "101", "102", "103", "104", "111", "112", "113", "114", "116"})
"""USPS 3-digit ZIP prefixes wholly inside New York City (USPS 3-digit ZIP Code prefix list, DMM L002):
100-102 Manhattan, 103 Staten Island, 104 the Bronx, 112 Brooklyn, 111 Long Island City, 113 Flushing,
114 Jamaica and 116 Far Rockaway (Queens). 110 (Floral Park) is shared with Nassau County and 115 is Nassau."""
NYC_ZIPS_IN_110 = frozenset({"11001", "11004", "11005", "11040"})
"""Queens ZIPs under the shared 110 prefix: 11004 Glen Oaks and 11005 Floral Park are in Queens; 11001 and
11040 straddle the Queens-Nassau line and are counted as New York City (the stricter reading)."""
NYC_AREA_CODES = frozenset({"212", "332", "347", "646", "718", "917", "929"})
"""Area codes of the five boroughs only (NANPA: 212/646/332 Manhattan, 718/347/929 the other boroughs,
917 all five): a number with one of them points to New York City."""


def address_jurisdictions(
    state: str | None, city: str | None = None, postal_code: str | None = None
) -> tuple[str, ...]:
    """The jurisdictions an address names ('US-NY', 'US-NY-NYC'); empty when its state is not a US state code."""
    code = (state or "").strip().upper()
    if code not in US_STATES:
        return ()
    found = [f"US-{code}"]
    if code == "NY" and _in_new_york_city(city, postal_code):
        found.append(NEW_YORK_CITY)
    return tuple(found)


def _in_new_york_city(city: str | None, postal_code: str | None) -> bool:
    zip5 = "".join(ch for ch in (postal_code or "") if ch.isdigit())[:5]
    if len(zip5) == 5 and (zip5[:3] in NYC_ZIP_PREFIXES or zip5 in NYC_ZIPS_IN_110):
        return True
    return " ".join((city or "").lower().replace(".", " ").split()) in NYC_CITY_NAMES


def phone_jurisdictions(state: str | None, area_code: str | None) -> tuple[str, ...]:
    """The jurisdictions a phone number points to: its region's state, and New York City for its area codes."""
    found = list(address_jurisdictions(state))
    if area_code in NYC_AREA_CODES:
        found = [*dict.fromkeys([*found, NEW_YORK_STATE, NEW_YORK_CITY])]
    return tuple(found)


def state_of_region(description: str | None) -> str | None:
    """A US state code from a phone region's description ('Massachusetts', 'New York, NY'); else None."""
    text = (description or "").strip()
    if not text:
        return None
    head, _, tail = text.rpartition(",")
    if head and tail.strip().upper() in US_STATES:
        return tail.strip().upper()
    return _STATE_BY_NAME.get(text.lower())


def jurisdictions_of(
    *,
    state: str | None,
    city: str | None = None,
    postal_code: str | None = None,
    phones: Iterable[tuple[str | None, str | None]] = (),
) -> list[str]:
    """Where the account's debtor is, for the rule packs: the address's state (and city); where the address
    names no US state, every state the phones point to (`(state, area code)` each); else every pack's."""
    found = address_jurisdictions(state, city, postal_code)
    if not found:
        found = tuple(dict.fromkeys(j for phone_state, code in phones for j in phone_jurisdictions(phone_state, code)))
    if not found:
        return [FEDERAL, *EVERY_PACK_JURISDICTION]
    return [FEDERAL, *sorted(found)]


# --- Written messages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenceLines:
    lines: tuple[str, ...]
    """What the message prints, one line per licence."""
    missing: tuple[str, ...]
    """Packs that require a licence number on this channel for which none is configured: do not send."""


def licence_lines(
    jurisdictions: Iterable[str], channel: Channel, licences: Mapping[str, str], language: str = "en"
) -> LicenceLines:
    """The licence lines a message on `channel` carries for an account in `jurisdictions` (Civ. Code
    1788.11(f): a California debtor's written or digital communication shows the licence number)."""
    lines, missing = [], []
    for pack in packs_for(jurisdictions):
        requirement = pack.licence
        if requirement is None or Channel(channel) not in requirement.channels:
            continue
        number = licences.get(pack.id, "").strip()
        if number:
            label = requirement.label.get(language) or requirement.label["en"]
            lines.append(f"{label} {number}")
        elif requirement.min_point_size is not None:
            missing.append(pack.id)
    return LicenceLines(tuple(lines), tuple(missing))


def parse_licences(text: str) -> dict[str, str]:
    """COLLECTOR_LICENSES: 'CA=10059-99,NY-NYC=2071234-DCA' (or 'US-CA=...') -> {'US-CA': '10059-99', ...}.
    ValueError names the entry that is not `JURISDICTION=NUMBER` of a known pack."""
    licences: dict[str, str] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        key, sep, number = entry.partition("=")
        jurisdiction = key.strip().upper()
        jurisdiction = jurisdiction if jurisdiction.startswith("US-") else f"US-{jurisdiction}"
        if not sep or not number.strip() or jurisdiction not in PACKS:
            raise ValueError(
                f"{entry!r} is not JURISDICTION=NUMBER with a jurisdiction among "
                f"{', '.join(p.removeprefix('US-') for p in EVERY_PACK_JURISDICTION)}"
            )
        licences[jurisdiction] = number.strip()
    return licences


# --- A strategy can only tighten ------------------------------------------------------------------


def loosened_fields(
    profile: ComplianceProfile, floor: ComplianceProfile, names: Iterable[str] | None = None
) -> list[str]:
    """The fields (of `names`, else all) where `profile` allows more than `floor`: more calls, fewer quiet
    days, earlier or later hours, texts not counted, no communications cap, no validation notice first."""
    wanted = {f.name for f in fields(ComplianceProfile)} - {"name"} if names is None else set(names)
    return [
        f.name
        for f in fields(ComplianceProfile)
        if f.name in wanted and _looser(f.name, getattr(profile, f.name), getattr(floor, f.name))
    ]


def _looser(name: str, mine: Any, theirs: Any) -> bool:
    if mine == theirs:
        return False
    if name in ("quiet_days_after_conversation", "latest_local"):
        return bool(mine > theirs) if name == "latest_local" else bool(mine < theirs)
    if name in ("validation_notice_first", "texts_count_as_calls"):
        return bool(theirs) and not mine
    if name == "max_communications_per_7_days":
        return theirs is not None and (mine is None or mine > theirs)
    if name == "earliest_local":
        return bool(mine < theirs)
    return bool(mine > theirs)


def floor_for(state: str) -> tuple[str, ComplianceProfile]:
    """What a strategy's overlay for `state` may not loosen, and its name: the state's pack, else Regulation F."""
    pack = PACKS.get(f"US-{state.strip().upper()}")
    return ("Regulation F", REG_F) if pack is None else (f"rule pack {pack.id} ({pack.title})", pack.profile)
