"""Where the debtor may be (domain.timezones), by Regulation F 1006.6(b)(1)(i) and comment 6(b)(1)(i)-1:
a time is convenient only if it is convenient in every location the collector's information points to."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from domain.compliance import REG_F, AccountContactFacts, ContactRequest, earliest_allowed
from domain.contact import Channel, ContactPoint, Rule
from domain.intake import normalize_phone
from domain.timezones import (
    ALL_US_ZONES,
    TERRITORY_ZONES,
    US_STATE_ZONES,
    KnownPoint,
    area_code,
    phone_zones,
    point_zones,
    valid_zones,
    zone_info,
)

ROOT = Path(__file__).resolve().parents[2]
NOTICE_SENT = AccountContactFacts(validation_notice_sent_at=datetime(2026, 1, 1, tzinfo=UTC))


def phone(number: str, role: str = "debtor", **fields: object) -> KnownPoint:
    return KnownPoint(kind="phone", value=number, role=role, **fields)  # type: ignore[arg-type]


def zones_of(
    point: KnownPoint | None,
    *others: KnownPoint,
    address_zone: str | None = None,
    state: str | None = None,
) -> tuple[str, ...]:
    points = ([point] if point is not None else []) + list(others)
    return point_zones(point, points=points, address_zone=address_zone, state=state)


def call_allowed_at(zones: tuple[str, ...], now: datetime) -> datetime | None:
    """What the gate answers for a call to a point with these zones (the notice already sent)."""
    point = ContactPoint(point_id=1, kind="phone", zones=list(zones))
    decision = earliest_allowed(ContactRequest(Channel.CALL, point), NOTICE_SENT, REG_F, now)
    return decision.allowed_at


def local(clock: str, zone: str, day: str = "2026-12-07") -> datetime:
    found = zone_info(zone)
    assert found is not None
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=found)


# ---- a phone's zones: phonenumbers' data ----


def test_demo_and_test_numbers_of_555_exchanges_resolve_by_their_area_code() -> None:
    """1006.6(b)(1)(i): a phone's area code is information about where the debtor may be; every number
    of examples/demo_portfolio.csv resolves (phonenumbers' data) and agrees with the row's address."""
    with (ROOT / "examples" / "demo_portfolio.csv").open() as rows:
        for row in csv.DictReader(rows):
            recorded = (row["timezone"],) if row["timezone"] else US_STATE_ZONES[row["state"]]
            assert set(recorded) & set(phone_zones(normalize_phone(row["phone"]))), row
    assert phone_zones("+12125550100") == ("America/New_York",)
    assert phone_zones("+16025550100") == ("America/Phoenix",)
    assert phone_zones("+12065550100") == ("America/Los_Angeles",)
    assert phone_zones("+1 (312) 555-0100") == ("America/Chicago",)


def test_an_area_code_that_spans_zones_gives_every_one_of_them() -> None:
    """Comment 6(b)(1)(i)-1: an unlisted exchange points to the whole area code (270: western Kentucky is
    Central, the rest Eastern; 928: the Navajo Nation keeps daylight saving time, the rest of Arizona not)."""
    assert set(phone_zones("+12705550100")) == {"America/New_York", "America/Chicago"}
    assert set(phone_zones("+19285550100")) == {"America/Phoenix", "America/Denver"}
    assert {"America/Anchorage", "America/Adak"} <= set(phone_zones("+19075550100"))


@pytest.mark.parametrize(
    ("number", "zone"),
    [
        ("+16715550100", "Pacific/Guam"),
        ("+13405550100", "America/St_Thomas"),
        ("+16845550100", "Pacific/Pago_Pago"),
        ("+16705550100", "Pacific/Saipan"),
        ("+17875550100", "America/Puerto_Rico"),
    ],
)
def test_a_territorys_number_gets_its_territorys_zone(number: str, zone: str) -> None:
    """1006.6(b)(1)(i); "State" includes the territories (15 U.S.C. 1692a(8)): Guam (671), the US Virgin
    Islands (340), American Samoa (684, not a valid number for phonenumbers: placed by its region), the
    Northern Mariana Islands (670), Puerto Rico (787)."""
    assert phone_zones(number) == (zone,)
    assert zones_of(phone(number)) == (zone,)


def test_a_number_nobody_can_place_leaves_the_debtor_anywhere_in_the_us() -> None:
    """1006.6(b)(1)(i): a phone that points nowhere known makes the location uncertain: every US zone."""
    assert phone_zones("+19995550100") == () and phone_zones("not a number") == () and phone_zones(None) == ()
    assert zones_of(phone("+19995550100"), state="NY") == ALL_US_ZONES
    assert zones_of(KnownPoint(kind="email", value="pat@example.com"), phone("+19995550100", bad=True), state="NY") == (
        "America/New_York",
    )
    assert area_code("+1 (312) 555-0100") == "312"
    assert area_code("+442071234567") is None and area_code("3125550100") is None and area_code(None) is None


# ---- the union ----


def test_a_california_address_and_a_212_mobile_give_both_zones() -> None:
    """1006.6(b)(1)(i), comment 6(b)(1)(i)-1: the address's zone no longer hides the phone's."""
    mobile = phone("+12125550100")
    assert zones_of(mobile, state="CA") == ("America/Los_Angeles", "America/New_York")
    assert zones_of(mobile, address_zone="America/Los_Angeles", state="CA") == (
        "America/Los_Angeles",
        "America/New_York",
    )
    assert zones_of(None, mobile, state="CA") == ("America/Los_Angeles", "America/New_York")


def test_every_phone_of_the_debtor_counts_for_every_point_but_not_a_wrong_number() -> None:
    """1006.6(b)(1)(i): an email to the debtor waits for the zones of all the debtor's phones; a number
    marked wrong says nothing of where the debtor is."""
    email = KnownPoint(kind="email", value="pat@example.com")
    chicago, guam = phone("+13125550100"), phone("+16715550100", bad=True)
    assert zones_of(email, chicago, guam, address_zone="America/Denver") == ("America/Denver", "America/Chicago")


def test_a_zone_staff_recorded_is_added_not_preferred() -> None:
    """1006.6(b)(1)(i): the point's recorded zone comes first (shown first) but the others stay."""
    mobile = phone("+12125550100", zone="America/Denver")
    assert zones_of(mobile, address_zone="America/Chicago", state="FL") == (
        "America/Denver",
        "America/Chicago",
        "America/New_York",
    )
    assert zones_of(None, mobile, address_zone="America/Chicago") == (
        "America/Chicago",
        "America/Denver",
        "America/New_York",
    )


def test_the_address_zone_else_its_state_and_junk_falls_through() -> None:
    assert zones_of(None, state="FL") == ("America/New_York", "America/Chicago")
    assert zones_of(None, address_zone="../etc/passwd", state="tx") == ("America/Chicago", "America/Denver")
    assert zones_of(phone("+13035550100", zone="Mars/Olympus_Mons"), state="Atlantis") == ("America/Denver",)
    assert zones_of(None, state="GU") == ("Pacific/Guam",)


def test_an_attorneys_point_is_where_the_attorney_is_not_the_debtor() -> None:
    """1006.6(b)(2) (the attorney), 1006.6(a)(4) (a deceased debtor's representative): their point's own
    zone and phone only; the debtor's address and phones do not apply."""
    debtor = phone("+16715550100")
    attorney = phone("+12125550199", role="attorney")
    representative = KnownPoint(kind="email", value="rep@example.com", role="representative", zone="America/Boise")
    assert zones_of(attorney, debtor, state="CA") == ("America/New_York",)
    assert zones_of(representative, debtor, state="CA") == ("America/Boise",)
    assert zones_of(debtor, attorney, state="CA") == ("America/Los_Angeles", "Pacific/Guam")


# ---- nothing known: every US zone, the territories included ----


def test_when_nothing_is_known_every_us_zone_and_territory_is_possible() -> None:
    """1006.6(b)(1)(i) with no information: every place a consumer may be; "State" includes the
    territories (15 U.S.C. 1692a(8))."""
    assert zones_of(None) == ALL_US_ZONES
    assert zones_of(phone("+19995550100", zone="Nowhere/Land"), state="ZZ") == ALL_US_ZONES
    assert {zone for zones in TERRITORY_ZONES.values() for zone in zones} <= set(ALL_US_ZONES)
    assert ALL_US_ZONES[0] == "America/New_York"


def test_with_every_us_zone_the_gate_still_finds_a_window_every_day() -> None:
    """1006.6(b)(1)(i): the 08:00-21:00 windows of all US zones and territories overlap (22:00-01:00 UTC)
    every day of the year, daylight saving or not: such a call waits at most a day, never forever."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in range(0, 2 * 365 * 24, 7):
        now = start + timedelta(hours=hours)
        at = call_allowed_at((), now)
        assert at is not None and now <= at < now + timedelta(days=1), now
        assert all(time(8) <= at.astimezone(zone_info(z)).time() < time(21) for z in ALL_US_ZONES), (now, at)  # type: ignore[arg-type]


# ---- the gate with these zones ----


def test_a_call_at_2030_pacific_to_a_212_mobile_waits_for_0800_in_both_zones() -> None:
    """1006.6(b)(1)(i), comment 6(b)(1)(i)-1: California address, 212 mobile; 20:30 Pacific is 23:30 Eastern."""
    zones = zones_of(phone("+12125550100"), address_zone="America/Los_Angeles", state="CA")
    at = call_allowed_at(zones, local("20:30", "America/Los_Angeles"))
    assert at == local("08:00", "America/Los_Angeles", "2026-12-08")
    assert at.astimezone(zone_info("America/New_York")).strftime("%H:%M") == "11:00"


@pytest.mark.parametrize(
    ("number", "state", "zone"),
    [
        ("+16715550100", None, "Pacific/Guam"),
        ("+13405550100", "VI", "America/St_Thomas"),
        ("+16845550100", None, "Pacific/Pago_Pago"),
        ("+16705550100", "MP", "Pacific/Saipan"),
    ],
)
@pytest.mark.parametrize("clock", ["04:30", "21:30"])
def test_a_territorys_debtor_is_not_called_at_0430_or_2130_local(
    number: str, state: str | None, zone: str, clock: str
) -> None:
    """1006.6(b)(1)(i); 15 U.S.C. 1692a(8): a Guam, USVI, American Samoa or CNMI number (no address state,
    or its territory's) is called between 08:00 and 21:00 there, not by a mainland zone's clock."""
    zones = zones_of(phone(number), state=state)
    assert zones == (zone,)
    now = local(clock, zone)
    at = call_allowed_at(zones, now)
    next_day = (now + timedelta(days=1)).date().isoformat() if clock == "21:30" else now.date().isoformat()
    assert at == local("08:00", zone, next_day)
    point = ContactPoint(point_id=1, kind="phone", zones=list(zones))
    decision = earliest_allowed(ContactRequest(Channel.CALL, point), NOTICE_SENT, REG_F, now)
    assert decision.rule == Rule.CALLING_HOURS


def test_every_state_and_dc_has_real_zones_and_split_states_list_each_side() -> None:
    states = set(US_STATE_ZONES) - set(TERRITORY_ZONES)
    assert len(states) == 51 and "DC" in states
    assert all(zone_info(z) is not None for zs in US_STATE_ZONES.values() for z in zs)
    for state in ("ID", "OR", "KS", "NE", "ND", "SD", "KY", "TN", "MI", "FL", "TX", "AK", "AZ"):
        assert len(US_STATE_ZONES[state]) >= 2, state


def test_valid_zones_keeps_order_and_drops_repeats_and_junk() -> None:
    assert valid_zones(["America/Chicago", None, "bogus", "America/Chicago", "UTC"]) == ("America/Chicago", "UTC")
