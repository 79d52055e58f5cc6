from __future__ import annotations

from domain.timezones import (
    ALL_US_ZONES,
    AREA_CODE_ZONES,
    US_STATE_ZONES,
    area_code,
    candidate_zones,
    valid_zones,
    zone_info,
)

NOTHING: dict[str, str | None] = {"point_zone": None, "address_zone": None, "state": None, "phone": None}


def zones(**known: str | None) -> tuple[str, ...]:
    return candidate_zones(**{**NOTHING, **known})


def test_the_contact_points_zone_wins_over_every_other_source() -> None:
    assert zones(point_zone="America/Denver", address_zone="America/Chicago", state="FL", phone="+12125550100") == (
        "America/Denver",
    )


def test_the_addresss_zone_comes_next_then_its_state_then_the_phones_area_code() -> None:
    assert zones(address_zone="America/Chicago", state="FL", phone="+12125550100") == ("America/Chicago",)
    assert zones(state="FL", phone="+12125550100") == ("America/New_York", "America/Chicago")
    assert zones(phone="+12125550100") == ("America/New_York",)


def test_invalid_zone_names_fall_through_to_the_next_source() -> None:
    assert zones(point_zone="Mars/Olympus_Mons", address_zone="America/Chicago") == ("America/Chicago",)
    assert zones(point_zone="", address_zone="../etc/passwd", state="tx") == ("America/Chicago", "America/Denver")
    assert zones(point_zone="America", state="Atlantis", phone="+13035550100") == ("America/Denver",)


def test_the_area_code_is_a_fallback_for_north_american_numbers_only() -> None:
    assert area_code("+1 (312) 555-0100") == "312"
    assert area_code("+442071234567") is None and area_code("3125550100") is None and area_code(None) is None
    assert zones(phone="+16025550100") == ("America/Phoenix",)
    assert zones(phone="+12065550100") == ("America/Los_Angeles",)
    assert zones(phone="+13055550100") == ("America/New_York",)


def test_when_nothing_is_known_every_us_zone_is_possible() -> None:
    assert zones() == ALL_US_ZONES
    assert zones(point_zone="Nowhere/Land", state="ZZ", phone="+19995550100") == ALL_US_ZONES
    assert {"America/New_York", "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"} <= set(ALL_US_ZONES)


def test_every_state_and_dc_has_real_zones_and_split_states_list_each_side() -> None:
    states = set(US_STATE_ZONES) - {"PR", "VI", "GU", "MP", "AS"}
    assert len(states) == 51 and "DC" in states
    assert all(
        zone_info(z) is not None for table in (US_STATE_ZONES, AREA_CODE_ZONES) for zs in table.values() for z in zs
    )
    for state in ("ID", "OR", "KS", "NE", "ND", "SD", "KY", "TN", "MI", "FL", "TX", "AK"):
        assert len(US_STATE_ZONES[state]) >= 2, state


def test_demo_area_codes_and_big_metros_are_known() -> None:
    for code in ("212", "312", "303", "602", "206", "305", "213", "713", "214", "404", "617", "215", "202", "415"):
        assert code in AREA_CODE_ZONES
    assert len(AREA_CODE_ZONES) >= 60


def test_valid_zones_keeps_order_and_drops_repeats_and_junk() -> None:
    assert valid_zones(["America/Chicago", None, "bogus", "America/Chicago", "UTC"]) == ("America/Chicago", "UTC")
