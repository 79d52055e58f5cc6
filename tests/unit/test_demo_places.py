"""Where the demo's debtors live: awake now, and where no state or city rule pack would hold the demo's
minutes-long cadence for a week (New York City's 3 communications in 7 days kept every debtor of a demo run
between 14:00 and 15:00 UTC from being referred)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ops.demo import daytime_places, tightened


@pytest.mark.parametrize("hour", range(24))
def test_at_every_hour_the_demo_picks_places_no_rule_pack_tightens_when_there_are_any(hour: int) -> None:
    places = daytime_places(datetime(2026, 12, 7, hour, 30, tzinfo=UTC))
    assert not any(tightened(place) for place in places), places


def test_between_14_and_15_utc_the_east_coast_debtors_live_outside_new_york_city() -> None:
    places = daytime_places(datetime(2026, 12, 7, 14, 30, tzinfo=UTC))
    assert [(city, state) for city, state, *_ in places] == [("Atlanta", "GA")]
    assert tightened(("New York", "NY", "10001", "America/New_York", "212"))
