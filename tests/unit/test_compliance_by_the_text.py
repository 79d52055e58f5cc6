"""Issue 14: the gate's unsafe cases and the facts it could not express, each against its paragraph of
12 CFR part 1006 (Regulation F) or the Official Interpretation (Supplement I). Each test fails on the
gate as it was (c085bdc) and passes now."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from domain import cadence
from domain.compliance import (
    ComplianceProfile,
    ContactRequest,
    earliest_allowed,
    most_restrictive,
    validation_notice_due,
)
from domain.contact import Channel, ContactPoint, ContactRecord, Outcome, Purpose, Rule
from domain.contact_messages import ContactSnapshot
from domain.strategy import CadenceStep, ComplianceSettings, ContactPlan, ExitThresholds
from tests.unit.test_compliance import MINUTE, NY, REG_F, call, et, facts, gate, phone

ATTORNEY = 9


def attorney_phone() -> ContactPoint:
    return ContactPoint(ATTORNEY, "phone", role="attorney", zones=[NY], consent_sms=True, consent_autodialer=True)


def record(channel: Channel, at: datetime, point_id: int = 1, **more: object) -> ContactRecord:
    return ContactRecord(0, channel, point_id, at, sent=True, **more)  # type: ignore[arg-type]


# Unsafe before (findings 4 and 5)


def test_1006_6_e_a_number_opted_out_of_texts_is_refused_by_the_gate_itself_and_still_callable() -> None:
    """1006.6(e): an opt-out of texts at one number; the gate refuses, whoever asks (no caller folds flags in first)."""
    opted_out_of_texts = phone(opted_out_channels=["sms"])
    noon = et(2026, 6, 10, 12)
    assert gate(noon, channel=Channel.SMS, point=opted_out_of_texts).rule == Rule.OPTED_OUT
    assert gate(noon, channel=Channel.SMS, point=opted_out_of_texts).allowed_at is None
    assert gate(noon, channel=Channel.CALL, point=opted_out_of_texts).allowed_now


def test_1006_14_h_a_person_who_said_stop_calling_is_not_called_but_may_be_texted() -> None:
    """1006.14(h)(1): a medium the person asked the collector not to use."""
    stop_calling = phone(opted_out_channels=["call"])
    noon = et(2026, 6, 10, 12)
    assert gate(noon, channel=Channel.CALL, point=stop_calling).rule == Rule.OPTED_OUT
    assert gate(noon, channel=Channel.SMS, point=stop_calling).allowed_now


def test_1006_14_b_2_i_B_a_conversation_the_consumer_started_starts_the_seven_quiet_days() -> None:
    """1006.14(b)(2)(i)(B): a telephone conversation counts whoever placed the call."""
    called_in = record(Channel.CALL, et(2026, 6, 10, 10), inbound=True, outcome=Outcome.RIGHT_PARTY_CONTACT)
    known = facts(called_in)
    decision = gate(et(2026, 6, 12, 12), known)
    assert decision.rule == Rule.CONVERSATION_QUIET_PERIOD
    assert decision.allowed_at == et(2026, 6, 17, 8)  # the conversation's day is day 1 of 7
    assert gate(et(2026, 6, 17, 8), known).allowed_now


def test_1006_14_b_2_an_inbound_call_that_was_not_a_conversation_starts_nothing() -> None:
    hung_up = record(Channel.CALL, et(2026, 6, 10, 10), inbound=True, outcome=Outcome.NO_ANSWER)
    assert gate(et(2026, 6, 10, 12), facts(hung_up)).allowed_now


# Over-strict before (finding 6)


def test_1006_14_b_3_iii_calls_to_the_consumers_attorney_do_not_count_toward_the_consumers_seven() -> None:
    """1006.14(b)(3)(iii): calls to the consumer's attorney are excluded from the presumption."""
    to_attorney = [record(Channel.CALL, et(2026, 6, day, 10), ATTORNEY) for day in range(1, 8)]
    known = facts(*to_attorney, attorney_point_ids=frozenset({ATTORNEY}), attorney_allows_direct_contact=True)
    assert gate(et(2026, 6, 7, 15), known).allowed_now
    # The attorney's own calls are still counted for calls to the attorney.
    assert gate(et(2026, 6, 7, 15), known, point=attorney_phone()).rule == Rule.CALL_FREQUENCY


# Facts the gate could not express


def test_1006_14_b_3_i_calls_within_seven_days_of_the_consumers_prior_consent_are_outside_the_limits() -> None:
    """1006.14(b)(3)(i): prior consent given directly to the collector within the last seven days."""
    week = [call(et(2026, 6, day, 10)) for day in range(1, 8)]
    consent = record(Channel.CALL, et(2026, 6, 7, 9), inbound=True, outcome=Outcome.RIGHT_PARTY_CONTACT)
    consented = replace(consent, consent_to_calls=True)
    assert gate(et(2026, 6, 7, 15), facts(*week, consent)).rule == Rule.CALL_FREQUENCY
    assert gate(et(2026, 6, 7, 15), facts(*week, consented)).allowed_now
    lapsed = replace(consented, at=et(2026, 5, 20, 9))  # lapsed before the calls: every call counts
    assert gate(et(2026, 6, 7, 15), facts(*week, lapsed)).rule == Rule.CALL_FREQUENCY


def test_1006_14_b_3_ii_calls_that_did_not_connect_are_not_placed_calls() -> None:
    """1006.14(b)(3)(ii): a busy signal or a number not in service is not a placed call."""
    busy = [call(et(2026, 6, day, 10), outcome=Outcome.BUSY) for day in range(1, 5)]
    dead = [call(et(2026, 6, day, 10), outcome=Outcome.NOT_IN_SERVICE) for day in range(5, 8)]
    assert gate(et(2026, 6, 7, 15), facts(*busy, *dead)).allowed_now
    answered = [call(et(2026, 6, day, 10), outcome=Outcome.NO_ANSWER) for day in range(1, 8)]
    assert gate(et(2026, 6, 7, 15), facts(*answered)).rule == Rule.CALL_FREQUENCY


def test_comment_6_b_1_2_one_reply_at_once_to_a_consumer_who_texted_at_an_inconvenient_time() -> None:
    """Comment 6(b)(1)-2: a consumer-initiated communication at an inconvenient time may be answered once,
    at that time, in the same medium; a second reply, or a collection text, waits for 08:00."""
    late = et(2026, 6, 10, 22, 30)
    texted = record(Channel.SMS, late, inbound=True)
    known = facts(texted)
    reply = {"purpose": Purpose.REPLY_TO_CONSUMER}
    assert earliest_allowed(ContactRequest(Channel.SMS, phone(), **reply), known, REG_F, late + 10 * MINUTE).allowed_now
    assert gate(late + 10 * MINUTE, known, channel=Channel.SMS).rule == Rule.CALLING_HOURS
    assert not earliest_allowed(ContactRequest(Channel.CALL, phone(), **reply), known, REG_F, late).allowed_now
    replied = facts(texted, record(Channel.SMS, late + 10 * MINUTE, purpose=Purpose.REPLY_TO_CONSUMER))
    second = earliest_allowed(ContactRequest(Channel.SMS, phone(), **reply), replied, REG_F, late + 20 * MINUTE)
    assert second.allowed_at == et(2026, 6, 11, 8)
    two_hours_later = earliest_allowed(
        ContactRequest(Channel.SMS, phone(), **reply), known, REG_F, late + 2 * 60 * MINUTE
    )
    assert two_hours_later.allowed_at == et(2026, 6, 11, 8)


def test_1006_34_a_1_i_B_the_notice_is_due_five_business_days_after_a_first_call() -> None:
    """1006.34(a)(1)(i)(B): within five days (excluding legal public holidays, Saturdays and Sundays)."""
    first_call = call(datetime(2026, 11, 25, 15, tzinfo=UTC), outcome=Outcome.NO_ANSWER)
    known = facts(first_call, validation_notice_sent_at=None)
    assert validation_notice_due(known) == date(2026, 12, 3)  # Thanksgiving is not counted
    assert validation_notice_due(facts(first_call)) is None  # the notice went out
    assert (
        validation_notice_due(facts(call(et(2026, 6, 1, 10), outcome=Outcome.BUSY), validation_notice_sent_at=None))
        is None
    )


def test_1006_34_a_1_i_B_the_cadence_sends_the_notice_next_when_a_call_came_first() -> None:
    """A strategy that calls before the notice (validation_notice_first = false): once a call went out,
    the next thing the cadence does is the notice, out of turn, and the cadence then goes on where it was."""
    steps = (
        CadenceStep(channel=Channel.CALL, template="reminder", after_seconds=0, repeat=3, every_seconds=86_400),
        CadenceStep(channel=Channel.EMAIL, template="reminder", after_seconds=86_400),
        CadenceStep(channel=Channel.LETTER, template="validation_notice", after_seconds=86_400, validation_notice=True),
    )
    plan = ContactPlan(
        strategy="t", version="1", segment="default", cadence=list(steps),
        compliance=ComplianceSettings(validation_notice_first=False), exit=ExitThresholds(),
    )  # fmt: skip
    snapshot = ContactSnapshot(
        "A1", [phone(), ContactPoint(2, "address", zones=[NY]), ContactPoint(3, "email", zones=[NY])]
    )
    progress = cadence.ContactProgress()
    start = et(2026, 6, 1, 9)
    first = cadence.decide_contact(plan, progress, snapshot, started_at=start, due_date="2026-05-01", now=start)
    assert (first.kind, first.step) == (cadence.DecisionKind.SEND, steps[0])
    cadence.record_sent(plan, progress, first, attempt_no=1, at=start)
    notice = cadence.decide_contact(plan, progress, snapshot, started_at=start, due_date="2026-05-01", now=start)
    assert (notice.kind, notice.step) == (cadence.DecisionKind.SEND, steps[2])
    cadence.record_sent(plan, progress, notice, attempt_no=2, at=start + MINUTE)
    assert (progress.step_index, progress.repeats_done) == (0, 1)  # the calls go on where they were
    assert progress.validation_notice_sent_at == start + MINUTE


def test_1006_6_c_2_after_a_cease_only_a_written_notice_that_collection_stops_or_a_remedy_goes_out() -> None:
    """1006.6(c)(2)(i)-(iii): the notices still allowed after a written request to cease communication."""
    ceased = facts(cease_communication=True)
    address = ContactPoint(2, "address", zones=[NY])
    noon = et(2026, 6, 10, 12)
    for purpose in (
        Purpose.CEASE_COLLECTION_STOPS,
        Purpose.CEASE_REMEDY_MAY_BE_INVOKED,
        Purpose.CEASE_REMEDY_WILL_BE_INVOKED,
    ):
        letter = ContactRequest(Channel.LETTER, address, purpose=purpose)
        assert earliest_allowed(letter, ceased, REG_F, noon).allowed_now
    assert (
        earliest_allowed(ContactRequest(Channel.LETTER, address), ceased, REG_F, noon).rule == Rule.CEASE_COMMUNICATION
    )
    text = ContactRequest(Channel.SMS, phone(), purpose=Purpose.CEASE_COLLECTION_STOPS)
    assert earliest_allowed(text, ceased, REG_F, noon).rule == Rule.CEASE_COMMUNICATION


def test_1006_6_b_2_an_attorney_who_consents_or_does_not_respond_lets_the_collector_reach_the_consumer() -> None:
    """1006.6(b)(2): unless the attorney fails to respond within a reasonable time or consents to direct contact."""
    represented = facts(attorney_point_ids=frozenset({ATTORNEY}))
    noon = et(2026, 6, 10, 12)
    assert gate(noon, represented).rule == Rule.ATTORNEY_REPRESENTED
    assert gate(noon, replace(represented, attorney_allows_direct_contact=True)).allowed_now


def test_1006_14_h_2_one_confirmation_of_an_opt_out_and_only_one() -> None:
    """1006.14(h)(2): one reply confirming the opt-out, in the medium opted out of."""
    opted_out = phone(opted_out_channels=["sms"])
    noon = et(2026, 6, 10, 12)
    confirm = ContactRequest(Channel.SMS, opted_out, purpose=Purpose.OPT_OUT_CONFIRMATION)
    assert earliest_allowed(confirm, facts(), REG_F, noon).allowed_now
    confirmed = facts(record(Channel.SMS, noon, purpose=Purpose.OPT_OUT_CONFIRMATION))
    assert earliest_allowed(confirm, confirmed, REG_F, noon + MINUTE).rule == Rule.OPTED_OUT


# Rule packs tighten (the fields they use)


def test_940_cmr_7_04_1_f_texts_count_with_calls_toward_two_in_seven_days_where_a_pack_says_so() -> None:
    """Massachusetts 940 CMR 7.04(1)(f): telephone communications include texts; two in each seven days."""
    massachusetts = most_restrictive(
        REG_F, ComplianceProfile(max_calls_per_7_days=2, texts_count_as_calls=True, name="US-MA")
    )
    known = facts(call(et(2026, 6, 1, 10)), record(Channel.SMS, et(2026, 6, 2, 10)))
    assert gate(et(2026, 6, 3, 12), known, profile=massachusetts).rule == Rule.CALL_FREQUENCY
    assert gate(et(2026, 6, 3, 12), known, channel=Channel.SMS, profile=massachusetts).rule == Rule.CALL_FREQUENCY
    assert gate(et(2026, 6, 8, 8), known, profile=massachusetts).allowed_now
    assert gate(et(2026, 6, 3, 12), known).allowed_now  # Regulation F alone: two of seven used


def test_a_cap_on_communications_across_media_counts_calls_texts_and_emails() -> None:
    capped = REG_F.with_overlay(max_communications_per_7_days=3)
    known = facts(
        call(et(2026, 6, 1, 10)), record(Channel.SMS, et(2026, 6, 2, 10)), record(Channel.EMAIL, et(2026, 6, 3, 10))
    )
    decision = gate(et(2026, 6, 4, 12), known, channel=Channel.EMAIL, profile=capped)
    assert (decision.rule, decision.allowed_at) == (Rule.COMMUNICATION_FREQUENCY, et(2026, 6, 8, 8))


def test_the_most_restrictive_profile_obeys_each_one_given() -> None:
    strategy = REG_F.with_overlay(max_calls_per_7_days=9, quiet_days_after_conversation=3, name="loose")
    pack = ComplianceProfile(max_calls_per_7_days=2, max_communications_per_7_days=5, name="US-X")
    combined = most_restrictive(strategy, pack)
    assert (combined.max_calls_per_7_days, combined.quiet_days_after_conversation) == (2, 7)
    assert (combined.max_communications_per_7_days, combined.name) == (5, "loose+US-X")
    assert most_restrictive(REG_F).max_communications_per_7_days is None
    assert timedelta(0) <= datetime.combine(date(2026, 1, 1), combined.latest_local) - datetime.combine(
        date(2026, 1, 1), combined.earliest_local
    )
