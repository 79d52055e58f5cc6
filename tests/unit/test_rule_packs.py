"""State and city rule packs (domain/rule_packs.py): which apply, what they tighten, what letters carry.

Each test names the text it checks: Massachusetts 940 CMR 7.04(1)(f), New York City 6 RCNY 5-77,
California Civ. Code 1788.11(f).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from channels.render import message_context, render_message
from domain import cadence
from domain.contact import Channel, ContactPoint, ContactRecord, Rule
from domain.contact_messages import ContactSnapshot
from domain.rule_packs import (
    CALIFORNIA,
    EVERY_PACK_JURISDICTION,
    MASSACHUSETTS,
    NEW_YORK_CITY,
    account_profile,
    address_jurisdictions,
    jurisdictions_of,
    licence_lines,
    packs_for,
    parse_licences,
    rules_summary,
)
from domain.strategy import CadenceStep, StrategyError
from domain.strategy_file import parse_strategy
from ops.strategies import load_strategy
from store.contacts import account_jurisdictions, phone_region
from store.models import AccountRow, ContactPointRow
from store.views import AccountView

PLAN = load_strategy("default").plan_for(segment="card", state="NY")
"""A strategy that allows Regulation F's 7 calls in 7 days (its state overlay is not Massachusetts)."""
EASTERN = ["America/New_York"]
# 2026-03-11 16:00 UTC is noon in New York (EDT since 2026-03-08)
NOON = datetime(2026, 3, 11, 16, tzinfo=UTC)
PHONE = ContactPoint(1, "phone", zones=EASTERN, consent_sms=True)
EMAIL = ContactPoint(2, "email", zones=EASTERN)
CALL = CadenceStep(channel=Channel.CALL, template="script", after_seconds=0)
TEXT = CadenceStep(channel=Channel.SMS, template="reminder", after_seconds=0)
MAIL = CadenceStep(channel=Channel.EMAIL, template="reminder", after_seconds=0)


def sent(n: int, channel: Channel, days_ago: int, point: ContactPoint = PHONE) -> ContactRecord:
    return ContactRecord(n, channel, point.point_id, NOON - timedelta(days=days_ago), sent=True)


def decide(step: CadenceStep, history: list[ContactRecord], jurisdictions: list[str]) -> cadence.ContactDecision:
    progress = cadence.ContactProgress(validation_notice_sent_at=NOON - timedelta(days=20), history=history)
    snapshot = ContactSnapshot("A1", [PHONE, EMAIL], jurisdictions=jurisdictions)
    return cadence.clear_step(PLAN, progress, snapshot, step, NOON)


@pytest.mark.parametrize("step", [CALL, TEXT], ids=["a third call", "a third text"])
def test_940_cmr_7_04_1_f_a_massachusetts_debtor_gets_two_calls_and_texts_in_7_days_though_the_strategy_says_7(
    step: CadenceStep,
) -> None:
    """940 CMR 7.04(1)(f): calls and texts initiated by the creditor, at most two in each seven-day period."""
    history = [sent(1, Channel.CALL, days_ago=2), sent(2, Channel.SMS, days_ago=1)]

    assert decide(step, history, []).kind == cadence.DecisionKind.SEND, "Regulation F alone allows it"
    held = decide(step, history, ["US", MASSACHUSETTS])

    assert (held.kind, held.rule) == (cadence.DecisionKind.WAIT, Rule.CALL_FREQUENCY)
    # the call of 03-09 leaves the window on 03-16: 08:00 in New York, the first hour allowed that day
    assert held.at == datetime(2026, 3, 16, 12, tzinfo=UTC)


def test_940_cmr_7_04_1_f_an_email_is_not_a_call_or_a_text() -> None:
    history = [sent(1, Channel.CALL, days_ago=2), sent(2, Channel.SMS, days_ago=1)]
    assert decide(MAIL, history, ["US", MASSACHUSETTS]).kind == cadence.DecisionKind.SEND


def test_6_rcny_5_77_a_new_york_city_debtor_gets_three_communications_in_7_days_across_channels() -> None:
    """6 RCNY 5-77: no more than three communications or attempts in a seven-day period, all media together."""
    history = [sent(1, Channel.EMAIL, 3, EMAIL), sent(2, Channel.SMS, 2), sent(3, Channel.CALL, 1)]

    assert decide(MAIL, history, ["US", "US-NY"]).kind == cadence.DecisionKind.SEND, "New York State alone: no cap"
    for step in (MAIL, TEXT, CALL):
        held = decide(step, history, ["US", "US-NY", NEW_YORK_CITY])
        assert (held.kind, held.rule) == (cadence.DecisionKind.WAIT, Rule.COMMUNICATION_FREQUENCY), step.channel
        assert held.at == datetime(2026, 3, 15, 12, tzinfo=UTC)  # the email of 03-08 has left the window


def test_the_most_restrictive_rule_wins_and_a_pack_never_loosens_the_strategy() -> None:
    strict = cadence.compliance_profile(PLAN.compliance).with_overlay(max_calls_per_7_days=1)
    combined = account_profile(strict, ["US", MASSACHUSETTS, NEW_YORK_CITY])
    assert combined.max_calls_per_7_days == 1  # the strategy's 1 beats Massachusetts' 2
    assert combined.texts_count_as_calls and combined.max_communications_per_7_days == 3
    assert account_profile(strict, []) == strict


def test_an_address_names_its_state_and_new_york_city_by_zip_or_borough() -> None:
    assert address_jurisdictions("ma", "Boston", "02108") == (MASSACHUSETTS,)
    assert address_jurisdictions("NY", "New York", "10001") == ("US-NY", NEW_YORK_CITY)
    assert address_jurisdictions("NY", "Flushing", "11354-1234") == ("US-NY", NEW_YORK_CITY)  # Queens, by ZIP
    assert address_jurisdictions("NY", "Glen Oaks", "11004") == ("US-NY", NEW_YORK_CITY)  # Queens under 110
    assert address_jurisdictions("NY", "Brooklyn", "") == ("US-NY", NEW_YORK_CITY)  # by borough name
    assert address_jurisdictions("NY", "Hempstead", "11550") == ("US-NY",)  # Nassau County
    assert address_jurisdictions("NY", "Buffalo", "14201") == ("US-NY",)
    assert address_jurisdictions("ON", "Toronto", "M5V 2T6") == ()  # not a US state: the phones decide


def row(state: str, *phones: str, city: str = "", postal_code: str = "") -> tuple[AccountRow, list[ContactPointRow]]:
    account = AccountRow(account_id="A1", state=state, city=city, postal_code=postal_code)
    return account, [ContactPointRow(kind="phone", value=p, role="debtor", bad=False) for p in phones]


def test_an_unknown_state_with_a_617_phone_gets_the_massachusetts_pack() -> None:
    """Where the address names no state, every state the debtor's phones point to (here Boston's 617)."""
    jurisdictions = account_jurisdictions(*row("", "+16175550100"))
    assert jurisdictions == ["US", MASSACHUSETTS]
    assert [p.id for p in packs_for(jurisdictions)] == [MASSACHUSETTS]
    assert rules_summary(jurisdictions) == "Regulation F + Massachusetts 940 CMR 7.04(1)(f)"


def test_phones_in_several_states_and_new_york_city_area_codes_make_every_one_a_candidate() -> None:
    assert account_jurisdictions(*row("XX", "+16175550100", "+19175550100", "+13105550100")) == [
        "US", CALIFORNIA, MASSACHUSETTS, "US-NY", NEW_YORK_CITY,
    ]  # fmt: skip
    assert phone_region("+16715550100") == ("GU", "671")  # a territory is a state for the FDCPA


def test_an_address_state_wins_over_the_phones() -> None:
    assert account_jurisdictions(*row("TX", "+16175550100", city="Austin", postal_code="78701")) == ["US", "US-TX"]


def test_nothing_known_about_where_the_debtor_is_means_every_pack() -> None:
    assert jurisdictions_of(state=None, phones=[(None, None)]) == ["US", *EVERY_PACK_JURISDICTION]
    assert account_jurisdictions(*row("", "+18005550100")) == ["US", *EVERY_PACK_JURISDICTION]  # toll-free


DEFAULT_TOML = (Path(__file__).resolve().parents[2] / "strategies" / "default.toml").read_text(encoding="utf-8")
MA_OVERLAY = (
    "[state_overlays.MA]              # Massachusetts: 2 calls in 7 days (940 CMR 7.04(1)(f))\nmax_calls_per_7_days = 2"
)


def strategy_with_overlay(overlay: str) -> str:
    assert MA_OVERLAY in DEFAULT_TOML, "the shipped strategy's Massachusetts overlay"
    return DEFAULT_TOML.replace(MA_OVERLAY, overlay)


def test_940_cmr_7_04_1_f_a_strategy_that_loosens_the_massachusetts_pack_is_refused_naming_file_and_field() -> None:
    loose = strategy_with_overlay("[state_overlays.MA]\nmax_calls_per_7_days = 5")
    with pytest.raises(StrategyError) as refused:
        parse_strategy(loose, source="loose.toml")
    assert str(refused.value) == (
        "loose.toml: state_overlays.MA.max_calls_per_7_days: 5 would loosen rule pack US-MA "
        "(Massachusetts 940 CMR 7.04(1)(f)): at most 2 calls in 7 days; a strategy can only tighten it"
    )


def test_a_strategy_may_tighten_a_pack_but_not_loosen_regulation_f() -> None:
    tight = parse_strategy(strategy_with_overlay("[state_overlays.MA]\nmax_calls_per_7_days = 1"), source="t.toml")
    assert tight.plan_for(segment="card", state="MA").compliance.max_calls_per_7_days == 1
    late = strategy_with_overlay('[state_overlays.TX]\nlatest = "21:30"')
    with pytest.raises(StrategyError, match=r"state_overlays\.TX\.latest: '21:30' would loosen Regulation F"):
        parse_strategy(late, source="t.toml")


CA_ACCOUNT = AccountView(
    account_id="C1", creditor="Northwind Bank", debtor_name="Pat Example", street="1 Main St", city="Fresno",
    state="CA", postal_code="93721", timezone="America/Los_Angeles", balance_cents=12_345,
    original_balance_cents=12_345, currency="USD", due_date=date(2026, 1, 5), segment="card", medical=False,
    stage=None, stage_changed_at=None, created_at=NOON, updated_at=NOON, payments_count=0, language="en",
    cease_communication_at=None,
)  # fmt: skip


def test_civ_code_1788_11_f_a_california_letter_carries_the_licence_line() -> None:
    """Civ. Code 1788.11(f): written or digital communications display the California licence number."""
    licences = parse_licences("CA=10059-99, NY-NYC=2071234-DCA")
    lines = licence_lines(["US", CALIFORNIA], Channel.LETTER, licences)
    context = message_context(
        CA_ACCOUNT, language="en", company_contact="Example Collections", license_lines=lines.lines
    )
    letter = render_message(Channel.LETTER, "reminder", "en", context)

    assert lines.missing == ()
    assert "California Debt Collector License No. 10059-99" in letter.body.splitlines()
    assert "NYC DCWP" not in letter.body


def test_civ_code_1788_11_f_without_a_configured_licence_a_california_written_message_is_refused() -> None:
    for channel in (Channel.LETTER, Channel.EMAIL, Channel.SMS):
        assert licence_lines(["US", CALIFORNIA], channel, {}).missing == (CALIFORNIA,)
    assert licence_lines(["US", CALIFORNIA], Channel.CALL, {}) == licence_lines(["US", "US-TX"], Channel.LETTER, {})
    assert licence_lines(["US", NEW_YORK_CITY], Channel.LETTER, {}).missing == ()  # printed when configured only


def test_a_spanish_message_names_the_licence_in_spanish() -> None:
    lines = licence_lines([CALIFORNIA], Channel.LETTER, {CALIFORNIA: "10059-99"}, "es")
    assert lines.lines == ("Licencia de cobrador de deudas de California n.º 10059-99",)


@pytest.mark.parametrize("bad", ["CA", "TX=1", "CA=", "=5"])
def test_collector_licenses_must_name_a_pack_and_a_number(bad: str) -> None:
    with pytest.raises(ValueError, match="is not JURISDICTION=NUMBER with a jurisdiction among CA, MA, NY-NYC"):
        parse_licences(bad)


def test_civ_code_1788_11_f_the_gate_refuses_written_messages_while_the_licence_is_missing() -> None:
    """Refused in the workflow's own decision (recorded once, the cadence goes on), not only at sending."""
    progress = cadence.ContactProgress(validation_notice_sent_at=NOON - timedelta(days=20))
    snapshot = ContactSnapshot("A1", [PHONE, EMAIL], jurisdictions=["US", CALIFORNIA], licence_missing=[CALIFORNIA])
    for step in (MAIL, TEXT, cadence.VALIDATION_NOTICE_STEP):
        refused = cadence.clear_step(PLAN, progress, snapshot, step, NOON)
        assert (refused.kind, refused.rule) == (cadence.DecisionKind.SKIP, Rule.LICENSE_NUMBER_MISSING)
    assert cadence.clear_step(PLAN, progress, snapshot, CALL, NOON).kind == cadence.DecisionKind.SEND
