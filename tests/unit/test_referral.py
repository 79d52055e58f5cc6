"""The referral policy: which agency gets an account, round robin, and exact commission."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.referral import (
    INTERNAL_DESK,
    Agency,
    PlacementChoice,
    ReferralPolicy,
    choose_placement,
    commission_cents,
    recall_due_at,
)

ACME = Agency("acme", "Acme Recovery", 2_500, max_balance_cents=250_000)
ZENITH = Agency("zenith", "Zenith Credit Services", 3_000)
POLICY = ReferralPolicy(agencies=(ACME, ZENITH), internal_desk_below_cents=5_000, max_placements=2)
INTERNAL = PlacementChoice(INTERNAL_DESK, 0)


def choose(
    policy: ReferralPolicy = POLICY,
    *,
    segment: str = "card",
    balance: int = 100_000,
    tried: tuple[str, ...] = (),
    counts: dict[str, int] | None = None,
) -> PlacementChoice:
    return choose_placement(policy, segment=segment, balance_cents=balance, tried=tried, placed_counts=counts or {})


def test_a_small_balance_stays_with_the_internal_desk_without_commission() -> None:
    assert choose(balance=4_999) == INTERNAL
    assert choose(balance=5_000) == PlacementChoice("acme", 2_500)


def test_an_agency_takes_only_balances_inside_its_band_both_ends_inclusive() -> None:
    assert choose(balance=250_000).agency_id == "acme"
    assert choose(balance=250_001).agency_id == "zenith"
    floor = Agency("floor", "Floor", 1_000, min_balance_cents=10_000)
    assert choose(ReferralPolicy(agencies=(floor,)), balance=9_999) == INTERNAL
    assert choose(ReferralPolicy(agencies=(floor,)), balance=10_000).agency_id == "floor"


def test_an_agency_with_segments_takes_only_those_segments() -> None:
    medical = Agency("medco", "MedCo", 2_000, segments=("medical",))
    policy = ReferralPolicy(agencies=(medical, ZENITH))
    assert choose(policy, segment="medical").agency_id == "medco"
    assert choose(policy, segment="card").agency_id == "zenith"
    assert choose(ReferralPolicy(agencies=(medical,)), segment="card") == INTERNAL


def test_round_robin_spreads_placements_evenly_over_eligible_agencies() -> None:
    counts: Counter[str] = Counter()
    for _ in range(10):
        counts[choose(counts=dict(counts)).agency_id] += 1
    assert counts == {"acme": 5, "zenith": 5}


def test_round_robin_picks_the_least_placed_agency_and_breaks_ties_in_policy_order() -> None:
    assert choose(counts={"acme": 3, "zenith": 1}).agency_id == "zenith"
    assert choose(counts={"acme": 2, "zenith": 2}).agency_id == "acme"
    assert choose(counts={"zenith": 1}).agency_id == "acme"


def test_an_agency_already_tried_is_not_chosen_again_and_then_the_internal_desk_takes_it() -> None:
    assert choose(tried=("acme",), counts={"zenith": 9}).agency_id == "zenith"
    assert choose(tried=("acme", "zenith")) == INTERNAL
    three = ReferralPolicy(agencies=(ACME, ZENITH, Agency("third", "Third", 1_000)), max_placements=2)
    assert choose(three, tried=("acme", "zenith")) == INTERNAL
    assert choose(three, tried=["acme"]).agency_id == "zenith"
    assert choose(ReferralPolicy(agencies=(ACME,), max_placements=0)) == INTERNAL


def test_no_agencies_means_the_internal_desk() -> None:
    assert choose(ReferralPolicy()) == INTERNAL


def test_a_placement_is_recalled_after_the_policy_days() -> None:
    placed = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    assert recall_due_at(placed, POLICY) == datetime(2026, 6, 29, 15, 30, tzinfo=UTC)
    assert recall_due_at(placed, ReferralPolicy(recall_after_days=1)) == datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def test_commission_is_exact_to_the_cent_rounding_half_up() -> None:
    assert commission_cents(10_001, 2_500) == 2_500  # 2500.25
    assert commission_cents(2_501, 2_500) == 625  # 625.25
    assert commission_cents(2_502, 2_500) == 626  # 625.5 rounds up
    assert commission_cents(1, 5_000) == 1  # 0.5 rounds up
    assert commission_cents(1, 4_999) == 0
    assert commission_cents(0, 3_000) == 0 and commission_cents(12_345, 0) == 0


# --- properties -----------------------------------------------------------------------------------------

SEGMENTS = ("card", "medical", "auto")
agency_ids = st.sampled_from(("a", "b", "c", "d", "e"))


@st.composite
def agencies(draw: st.DrawFn) -> Agency:
    low = draw(st.integers(min_value=0, max_value=500_000))
    high = draw(st.none() | st.integers(min_value=low, max_value=1_000_000))
    return Agency(
        agency_id=draw(agency_ids),
        name="x",
        commission_bps=draw(st.integers(min_value=0, max_value=9_999)),
        segments=tuple(draw(st.lists(st.sampled_from(SEGMENTS), max_size=2, unique=True))),
        min_balance_cents=low,
        max_balance_cents=high,
    )


@st.composite
def policies(draw: st.DrawFn) -> ReferralPolicy:
    return ReferralPolicy(
        agencies=tuple(draw(st.lists(agencies(), max_size=5, unique_by=lambda agency: agency.agency_id))),
        internal_desk_below_cents=draw(st.integers(min_value=0, max_value=20_000)),
        max_placements=draw(st.integers(min_value=0, max_value=4)),
    )


@settings(max_examples=300, deadline=None)
@given(
    policy=policies(),
    segment=st.sampled_from(SEGMENTS),
    balance=st.integers(min_value=0, max_value=1_200_000),
    tried=st.lists(agency_ids, max_size=4, unique=True),
    counts=st.dictionaries(agency_ids, st.integers(min_value=0, max_value=50)),
)
def test_the_chosen_agency_is_always_eligible_or_the_internal_desk(
    policy: ReferralPolicy, segment: str, balance: int, tried: list[str], counts: dict[str, int]
) -> None:
    choice = choose_placement(policy, segment=segment, balance_cents=balance, tried=tried, placed_counts=counts)
    eligible = [
        a
        for a in policy.agencies
        if a.agency_id not in tried
        and (not a.segments or segment in a.segments)
        and a.min_balance_cents <= balance
        and (a.max_balance_cents is None or balance <= a.max_balance_cents)
    ]
    agency_allowed = balance >= policy.internal_desk_below_cents and len(tried) < policy.max_placements
    if choice.agency_id == INTERNAL_DESK:
        assert choice.commission_bps == 0 and not (agency_allowed and eligible)
        return
    [agency] = [a for a in eligible if a.agency_id == choice.agency_id]
    assert agency_allowed and choice.commission_bps == agency.commission_bps
    assert counts.get(agency.agency_id, 0) == min(counts.get(a.agency_id, 0) for a in eligible)


@settings(max_examples=300, deadline=None)
@given(amount=st.integers(min_value=0, max_value=10**12), bps=st.integers(min_value=0, max_value=10_000))
def test_commission_is_never_negative_nor_over_the_amount_and_rounds_half_up(amount: int, bps: int) -> None:
    commission = commission_cents(amount, bps)
    assert 0 <= commission <= amount
    exact = Decimal(amount * bps) / Decimal(10_000)
    assert commission == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
