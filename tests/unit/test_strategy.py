from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.converter import DataConverter

from domain.contact import Channel
from domain.negotiation import NegotiationPolicy
from domain.referral import Agency, ReferralPolicy
from domain.stages import Stage
from domain.strategy import ContactPlan, StrategyError
from domain.strategy_file import parse_strategy
from ops.strategies import STRATEGY_DIR, load_strategy

MINIMAL = """
name = "t"
version = "1"
[segments.default]
cadence = [{ channel = "letter", validation_notice = true, anchor = "start" }]
"""


@pytest.mark.parametrize("name", sorted(p.stem for p in STRATEGY_DIR.glob("*.toml")))
def test_every_shipped_strategy_is_valid_and_starts_with_the_validation_notice(name: str) -> None:
    strategy = load_strategy(name)
    for segment in strategy.segments.values():
        assert segment.cadence[0].channel == Channel.LETTER and segment.cadence[0].validation_notice


def test_a_state_overlay_tightens_the_profile_only_for_that_state() -> None:
    strategy = load_strategy("default")
    assert strategy.plan_for(segment="card", state="MA").compliance.max_calls_per_7_days == 2
    assert strategy.plan_for(segment="card", state="NY").compliance.max_calls_per_7_days == 7


def test_an_unknown_segment_falls_back_to_the_default_cadence() -> None:
    strategy = load_strategy("default")
    plan = strategy.plan_for(segment="boats", state="NY")
    assert plan.cadence == strategy.segments["default"].cadence and plan.segment == "boats"


def test_durations_anchors_and_repeats_are_read_exactly() -> None:
    strategy = parse_strategy(
        MINIMAL.replace(
            'anchor = "start" }]',
            'anchor = "start" }, { channel = "call", after = "90m", repeat = 3, every = "2d", autodialed = true }]',
        ),
        source="t.toml",
    )
    call = strategy.segments["default"].cadence[1]
    assert (call.after_seconds, call.repeat, call.every_seconds, call.autodialed) == (5400, 3, 172800, True)
    assert strategy.plan_for(segment="x", state="NY").exit.right_party_contact == Stage.NEGOTIATING


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('channel = "letter"', 'channel = "fax"'), "segments.default.cadence[0].channel: one of letter"),
        (('anchor = "start"', 'anchor = "start", after = "soon"'), "cadence[0].after: expected a duration"),
        (('anchor = "start"', 'anchor = "later"'), "cadence[0].anchor: one of start"),
        (('anchor = "start"', 'anchor = "start", colour = "red"'), "cadence[0]: unknown field(s) colour"),
        (("[segments.default]", "[segments.cards]"), "segments.default is required"),
        (('version = "1"', ""), "t.toml.version: required"),
        (("cadence = [", "cadence = [] #"), "cadence: at least one step"),
    ],
)
def test_a_broken_strategy_is_refused_with_the_file_and_field_named(change: tuple[str, str], message: str) -> None:
    with pytest.raises(StrategyError) as caught:
        parse_strategy(MINIMAL.replace(*change), source="t.toml")
    assert message in str(caught.value) and str(caught.value).startswith("t.toml")


def test_a_validation_notice_must_be_a_letter_and_hours_must_make_sense() -> None:
    with pytest.raises(StrategyError, match="the validation notice is a letter"):
        parse_strategy(MINIMAL.replace('channel = "letter"', 'channel = "email"'), source="t.toml")
    with pytest.raises(StrategyError, match="earliest must be before latest"):
        parse_strategy(MINIMAL + '[profiles.p]\nearliest = "21:00"\nlatest = "08:00"\n', source="t.toml")


def test_a_missing_strategy_file_names_the_shipped_ones(tmp_path: Path) -> None:
    with pytest.raises(StrategyError, match="shipped: default, demo"):
        load_strategy(str(tmp_path / "nope.toml"))


# --- negotiation policies ---------------------------------------------------------------------------------

NEGOTIATION = """
[segments.default.negotiation]
max_installments = 6
min_installment = "50.00"
first_payment_within_days = 20
installment_interval_days = 14
in_policy_discount = "2.5%"
approval_limits = { supervisor = "25%", collector = "7.5%" }
grace_days = 3
approval_expires_hours = 48
max_renegotiations = 1
reminder_channels = ["sms", "letter"]
stall_days = 10
max_broken_promises = 3
"""


@pytest.mark.parametrize("name", sorted(p.stem for p in STRATEGY_DIR.glob("*.toml")))
def test_every_shipped_strategy_gives_each_segment_a_negotiation_policy(name: str) -> None:
    strategy = load_strategy(name)
    for segment in strategy.segments.values():
        policy = segment.negotiation
        assert policy.max_installments >= 1 and policy.min_installment_cents > 0 and policy.role_authority_bps
        assert all(limit >= policy.in_policy_discount_bps for _, limit in policy.role_authority_bps)
    assert strategy.plan_for(segment="boats", state="NY").negotiation == strategy.segments["default"].negotiation


def test_the_shipped_medical_segment_negotiates_longer_plans_than_the_default() -> None:
    strategy = load_strategy("default")
    medical, default = strategy.segments["medical"].negotiation, strategy.segments["default"].negotiation
    assert medical.max_installments > default.max_installments
    assert strategy.plan_for(segment="medical", state="MA").negotiation == medical
    assert default.in_policy_discount_bps == 500 and default.role_authority_bps == (
        ("collector", 1_000), ("supervisor", 3_000),
    )  # fmt: skip


def test_a_negotiation_table_is_read_exactly_with_roles_ordered_least_senior_first() -> None:
    policy = parse_strategy(MINIMAL + NEGOTIATION, source="t.toml").segments["default"].negotiation
    assert policy == NegotiationPolicy(
        max_installments=6,
        min_installment_cents=5_000,
        first_payment_within_days=20,
        installment_interval_days=14,
        in_policy_discount_bps=250,
        role_authority_bps=(("collector", 750), ("supervisor", 2_500)),
        grace_days=3,
        approval_expires_hours=48,
        max_renegotiations=1,
        reminder_channels=("sms", "letter"),
        stall_days=10,
        max_broken_promises=3,
    )


def test_a_segment_without_a_negotiation_table_gets_the_default_policy() -> None:
    strategy = parse_strategy(MINIMAL, source="t.toml")
    assert strategy.segments["default"].negotiation == NegotiationPolicy()
    assert (
        parse_strategy(MINIMAL + "[segments.default.negotiation]\n", source="t.toml").segments["default"].negotiation
        == NegotiationPolicy()
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("max_installments = 6", "max_installments = 0"), "negotiation.max_installments: must be at least 1"),
        (("max_installments = 6", 'max_installments = "6"'), "negotiation.max_installments: expected a whole number"),
        (('min_installment = "50.00"', 'min_installment = "50.001"'), "negotiation.min_installment: malformed"),
        (('min_installment = "50.00"', "min_installment = 50"), "negotiation.min_installment: expected str"),
        (('"2.5%"', '"2.5"'), "negotiation.in_policy_discount: expected a percentage"),
        (('"2.5%"', '"100%"'), "negotiation.in_policy_discount: expected a percentage under 100%"),
        (('"2.5%"', '"8%"'), "negotiation.approval_limits.collector: 7.5% is under the in-policy discount"),
        (('collector = "7.5%"', 'collector = "lots"'), "negotiation.approval_limits.collector: expected a percentage"),
        (("approval_limits = {", "approval_limits = 3 #"), "negotiation.approval_limits: expected dict"),
        (("grace_days = 3", "grace_days = -1"), "negotiation.grace_days: must be at least 0"),
        (("installment_interval_days = 14", "installment_interval_days = 0"), "installment_interval_days: must be"),
        (("approval_expires_hours = 48", "approval_expires_hours = 1.5"), "approval_expires_hours: expected a whole"),
        (("max_renegotiations = 1", "max_renegotiations = 1\nmood = 1"), "negotiation: unknown field(s) mood"),
        (('"sms", "letter"', '"sms", "fax"'), "negotiation.reminder_channels: 'fax' is not a channel"),
        (('["sms", "letter"]', '"sms"'), "negotiation.reminder_channels: expected list"),
        (("stall_days = 10", "stall_days = 0"), "negotiation.stall_days: must be at least 1"),
        (("max_broken_promises = 3", "max_broken_promises = 0"), "negotiation.max_broken_promises: must be at least"),
    ],
)
def test_a_broken_negotiation_table_is_refused_with_the_field_named(change: tuple[str, str], message: str) -> None:
    with pytest.raises(StrategyError) as caught:
        parse_strategy(MINIMAL + NEGOTIATION.replace(*change), source="t.toml")
    assert message in str(caught.value) and str(caught.value).startswith("t.toml: segments.default.negotiation")


async def test_a_contact_plan_round_trips_through_temporal_with_its_negotiation_policy() -> None:
    plan = load_strategy("default").plan_for(segment="medical", state="MA")
    payloads = await DataConverter.default.encode([plan])
    [decoded] = await DataConverter.default.decode(payloads, [ContactPlan])
    assert decoded == plan and decoded.negotiation.role_authority_bps == (("collector", 1_500), ("supervisor", 4_000))


async def test_a_contact_plan_recorded_before_negotiation_existed_decodes_with_the_default_policy() -> None:
    plan = load_strategy("default").plan_for(segment="card", state="NY")
    [payload] = await DataConverter.default.encode([plan])
    document = json.loads(payload.data)
    del document["negotiation"]
    payload.data = json.dumps(document).encode()
    [decoded] = await DataConverter.default.decode([payload], [ContactPlan])
    assert decoded.negotiation == NegotiationPolicy() and decoded.cadence == plan.cadence


# --- referral policy ---------------------------------------------------------------------------------------

REFERRAL = """
[referral]
internal_desk_below = "100.00"
recall_after_days = 90
max_placements = 3
agencies = [
  { id = "acme", name = "Acme Recovery", commission = "25%", segments = ["card", "auto"], max_balance = "2500.00" },
  { id = "zenith", commission = "17.5%", min_balance = "500.00", max_balance = "500.00" },
]
"""


def test_a_referral_table_is_read_exactly_and_travels_in_every_plan() -> None:
    strategy = parse_strategy(MINIMAL + REFERRAL, source="t.toml")
    assert strategy.referral == ReferralPolicy(
        agencies=(
            Agency("acme", "Acme Recovery", 2_500, segments=("card", "auto"), max_balance_cents=250_000),
            Agency("zenith", "zenith", 1_750, min_balance_cents=50_000, max_balance_cents=50_000),
        ),
        internal_desk_below_cents=10_000,
        recall_after_days=90,
        max_placements=3,
    )
    assert strategy.plan_for(segment="boats", state="MA").referral == strategy.referral


def test_a_strategy_without_a_referral_table_gets_the_default_policy() -> None:
    assert parse_strategy(MINIMAL, source="t.toml").referral == ReferralPolicy()
    assert (
        parse_strategy(MINIMAL + "[referral]\n", source="t.toml").plan_for(segment="x", state="NY").referral
        == ReferralPolicy()
    )


def test_the_shipped_default_strategy_places_with_two_agencies() -> None:
    referral = load_strategy("default").referral
    assert [(a.agency_id, a.commission_bps, a.max_balance_cents) for a in referral.agencies] == [
        ("acme", 2_500, 250_000),
        ("zenith", 3_000, None),
    ]
    assert (referral.internal_desk_below_cents, referral.recall_after_days, referral.max_placements) == (5_000, 120, 2)
    assert load_strategy("demo").referral.recall_after_days == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('commission = "25%"', 'commission = "25"'), "referral.agencies[0].commission: expected a percentage"),
        (('commission = "25%"', 'commission = "100%"'), "referral.agencies[0].commission: expected a percentage"),
        (('commission = "25%", ', ""), "referral.agencies[0].commission: required"),
        (('id = "zenith"', 'id = "acme"'), "referral.agencies[1].id: duplicate agency id 'acme'"),
        (('id = "zenith"', 'id = "internal"'), "referral.agencies[1].id: 'internal' cannot name an agency"),
        (('min_balance = "500.00"', 'min_balance = "500.01"'), "referral.agencies[1].min_balance: $500.01 is over"),
        (('max_balance = "2500.00"', 'max_balance = "2,500.001"'), "referral.agencies[0].max_balance: malformed"),
        (('segments = ["card", "auto"]', 'segments = ["card", 7]'), "referral.agencies[0].segments: expected a list"),
        (('name = "Acme Recovery"', 'nickname = "Acme"'), "referral.agencies[0]: unknown field(s) nickname"),
        (("max_placements = 3", "max_placements = 3\nmood = 1"), "referral: unknown field(s) mood"),
        (("recall_after_days = 90", "recall_after_days = 0"), "referral.recall_after_days: must be at least 1"),
        (("max_placements = 3", "max_placements = -1"), "referral.max_placements: must be at least 0"),
        (('internal_desk_below = "100.00"', "internal_desk_below = 100"), "referral.internal_desk_below: expected str"),
        (("agencies = [", "agencies = [3, "), "referral.agencies[0]: expected a table"),
    ],
)
def test_a_broken_referral_table_is_refused_with_the_field_named(change: tuple[str, str], message: str) -> None:
    with pytest.raises(StrategyError) as caught:
        parse_strategy(MINIMAL + REFERRAL.replace(*change), source="t.toml")
    assert message in str(caught.value) and str(caught.value).startswith("t.toml: referral")


async def test_a_contact_plan_round_trips_through_temporal_with_its_referral_policy() -> None:
    plan = parse_strategy(MINIMAL + REFERRAL, source="t.toml").plan_for(segment="card", state="NY")
    payloads = await DataConverter.default.encode([plan])
    [decoded] = await DataConverter.default.decode(payloads, [ContactPlan])
    assert decoded == plan and decoded.referral.agencies[0].segments == ("card", "auto")
    assert decoded.referral.agencies[1].max_balance_cents == 50_000


async def test_a_contact_plan_recorded_before_referral_existed_decodes_with_the_default_policy() -> None:
    plan = load_strategy("default").plan_for(segment="card", state="NY")
    [payload] = await DataConverter.default.encode([plan])
    document = json.loads(payload.data)
    del document["referral"]
    payload.data = json.dumps(document).encode()
    [decoded] = await DataConverter.default.decode([payload], [ContactPlan])
    assert decoded.referral == ReferralPolicy() and decoded.negotiation == plan.negotiation
