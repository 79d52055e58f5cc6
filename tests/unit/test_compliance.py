from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.compliance import (
    AccountContactFacts,
    ComplianceProfile,
    ContactRequest,
    GateDecision,
    assumed_receipt_date,
    earliest_allowed,
    validation_period_end,
)
from domain.contact import Channel, ContactPoint, ContactRecord, Outcome, Rule

NY, LA = "America/New_York", "America/Los_Angeles"
REG_F = ComplianceProfile()
NOTICE_SENT = datetime(2026, 1, 5, 15, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in `zone`, as the UTC instant the gate is given."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def et(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return local(NY, year, month, day, hour, minute)


def phone(point_id: int = 1, zones: tuple[str, ...] = (NY,), **flags: Any) -> ContactPoint:
    consents = {"consent_sms": True, "consent_autodialer": True, **flags}
    return ContactPoint(point_id, "phone", zones=list(zones), **consents)


def facts(*history: ContactRecord, **known: Any) -> AccountContactFacts:
    return AccountContactFacts(history=list(history), **{"validation_notice_sent_at": NOTICE_SENT, **known})


def call(at: datetime, *, outcome: Outcome | None = None, sent: bool = True, inbound: bool = False) -> ContactRecord:
    return ContactRecord(0, Channel.CALL, 1, at, sent=sent, outcome=outcome, inbound=inbound)


def gate(
    at: datetime,
    known: AccountContactFacts | None = None,
    *,
    channel: Channel = Channel.CALL,
    point: ContactPoint | None = None,
    profile: ComplianceProfile = REG_F,
    **request: bool,
) -> GateDecision:
    return earliest_allowed(ContactRequest(channel, point or phone(), **request), known or facts(), profile, at)


def assert_waits_until(
    decision: GateDecision, until: datetime, rule: Rule, known: AccountContactFacts, **kw: Any
) -> None:
    """The gate names `until` and `rule`, allows the call at `until` and not a minute before."""
    assert decision == GateDecision(until, rule)
    assert gate(until, known, **kw).allowed_now
    assert not gate(until - MINUTE, known, **kw).allowed_now


# Call frequency (1006.14(b)(2)(i))


def test_seven_calls_in_seven_days_make_the_eighth_wait_for_the_midnight_that_frees_a_slot_then_for_8am() -> None:
    """The wait ends at 08:00 (hours) but its reason is the frequency limit: why it cannot go now."""
    known = facts(*(call(et(2026, 6, day, 10)) for day in range(1, 8)))
    decision = gate(et(2026, 6, 7, 15), known)
    assert_waits_until(decision, et(2026, 6, 8, 8), Rule.CALL_FREQUENCY, known)


def test_the_frequency_wait_ends_exactly_at_local_midnight_when_the_hours_allow_midnight() -> None:
    around_the_clock = REG_F.with_overlay(earliest_local=time(0), latest_local=time(23, 59))
    known = facts(*(call(et(2026, 6, day, 10)) for day in range(1, 8)))
    decision = gate(et(2026, 6, 7, 15), known, profile=around_the_clock)
    assert_waits_until(decision, et(2026, 6, 8, 0), Rule.CALL_FREQUENCY, known, profile=around_the_clock)


def test_calls_are_counted_by_the_debtors_local_day_not_the_utc_day() -> None:
    evening = facts(*(call(et(2026, 6, 1, 20, minute)) for minute in range(0, 56, 8)))  # 7 calls, June 2 in UTC
    assert len(evening.history) == 7
    decision = gate(et(2026, 6, 2, 12), evening)
    assert decision.allowed_at == et(2026, 6, 8, 8)


def test_with_two_possible_zones_the_later_local_day_decides_the_frequency_wait() -> None:
    two_a_week = REG_F.with_overlay(max_calls_per_7_days=2)
    late_pacific = facts(call(local(LA, 2026, 6, 1, 21, 30)), call(local(LA, 2026, 6, 1, 21, 40)))  # June 2 in ET
    assert gate(et(2026, 6, 8, 12), late_pacific, point=phone(zones=(LA,)), profile=two_a_week).allowed_now
    decision = gate(et(2026, 6, 8, 12), late_pacific, point=phone(zones=(NY, LA)), profile=two_a_week)
    assert decision.allowed_at == et(2026, 6, 9, 11)  # June 8 ET still shares a window with June 2 ET


def test_inbound_and_blocked_calls_do_not_count_toward_the_frequency_limit() -> None:
    placed = [call(et(2026, 6, day, 10)) for day in range(1, 7)]
    inbound = [call(et(2026, 6, day, 11), inbound=True) for day in range(1, 8)]
    blocked = [call(et(2026, 6, day, 12), sent=False) for day in range(1, 8)]
    assert gate(et(2026, 6, 7, 15), facts(*placed, *inbound, *blocked)).allowed_now


def test_voicemails_and_unanswered_calls_count_as_call_attempts() -> None:
    outcomes = [Outcome.VOICEMAIL, Outcome.NO_ANSWER, None, Outcome.WRONG_NUMBER, None, Outcome.VOICEMAIL, None]
    known = facts(*(call(et(2026, 6, day, 10), outcome=o) for day, o in zip(range(1, 8), outcomes, strict=True)))
    assert gate(et(2026, 6, 7, 15), known).allowed_at == et(2026, 6, 8, 8)


def test_a_call_recorded_after_now_still_counts_in_every_window_the_new_call_would_share_with_it() -> None:
    two_a_week = REG_F.with_overlay(max_calls_per_7_days=2)
    later = facts(call(et(2026, 6, 3, 10)), call(et(2026, 6, 5, 10)))
    decision = gate(et(2026, 6, 1, 10), later, profile=two_a_week)
    assert_waits_until(decision, et(2026, 6, 10, 8), Rule.CALL_FREQUENCY, later, profile=two_a_week)


def test_a_state_overlay_of_two_calls_per_seven_days_blocks_the_third_call() -> None:
    two_a_week = REG_F.with_overlay(max_calls_per_7_days=2, name="reg-f+MA")
    known = facts(call(et(2026, 6, 1, 10)), call(et(2026, 6, 3, 10)))
    assert gate(et(2026, 6, 7, 12), known).allowed_now
    decision = gate(et(2026, 6, 7, 12), known, profile=two_a_week)
    assert_waits_until(decision, et(2026, 6, 8, 8), Rule.CALL_FREQUENCY, known, profile=two_a_week)
    assert (two_a_week.name, two_a_week.quiet_days_after_conversation, REG_F.max_calls_per_7_days) == ("reg-f+MA", 7, 7)


def test_a_profile_that_allows_no_calls_never_allows_a_call() -> None:
    assert gate(et(2026, 6, 1, 12), profile=REG_F.with_overlay(max_calls_per_7_days=0)) == GateDecision(
        None, Rule.CALL_FREQUENCY
    )


# Quiet days after a telephone conversation (1006.14(b)(2)(ii))


def test_a_conversation_on_day_one_blocks_calls_through_day_seven_and_allows_day_eight_at_8am() -> None:
    known = facts(call(et(2026, 6, 1, 10), outcome=Outcome.RIGHT_PARTY_CONTACT))
    assert gate(et(2026, 6, 1, 15), known).allowed_at == et(2026, 6, 8, 8)
    assert gate(et(2026, 6, 7, 20, 59), known).allowed_at == et(2026, 6, 8, 8)
    assert_waits_until(gate(et(2026, 6, 4, 12), known), et(2026, 6, 8, 8), Rule.CONVERSATION_QUIET_PERIOD, known)


def test_an_inbound_conversation_starts_the_quiet_days_too_but_texts_and_emails_are_not_held_back() -> None:
    known = facts(call(et(2026, 6, 1, 19), outcome=Outcome.PROMISE_TO_PAY, inbound=True))
    assert gate(et(2026, 6, 2, 12), known).allowed_at == et(2026, 6, 8, 8)
    assert gate(et(2026, 6, 2, 12), known, channel=Channel.SMS).allowed_now
    assert gate(
        et(2026, 6, 2, 12), known, channel=Channel.EMAIL, point=ContactPoint(2, "email", zones=[NY])
    ).allowed_now


def test_the_quiet_period_ends_at_8am_local_even_across_a_dst_change() -> None:
    known = facts(call(et(2026, 3, 2, 10), outcome=Outcome.REFUSED))
    assert gate(et(2026, 3, 5, 12), known).allowed_at == et(2026, 3, 9, 8) == datetime(2026, 3, 9, 12, tzinfo=UTC)


def test_a_shorter_quiet_period_from_a_profile_is_honoured() -> None:
    known = facts(call(et(2026, 6, 1, 10), outcome=Outcome.RIGHT_PARTY_CONTACT))
    assert gate(et(2026, 6, 2, 12), known, profile=REG_F.with_overlay(quiet_days_after_conversation=2)).allowed_at == (
        et(2026, 6, 3, 8)
    )


# Hours (1006.6(b)(1)(i))


@pytest.mark.parametrize("channel", [Channel.CALL, Channel.SMS, Channel.EMAIL])
def test_contact_at_0759_and_2100_local_is_blocked_and_at_0800_and_2059_allowed(channel: Channel) -> None:
    point = phone() if channel is not Channel.EMAIL else ContactPoint(2, "email", zones=[NY])
    assert gate(et(2026, 6, 10, 7, 59), channel=channel, point=point) == GateDecision(
        et(2026, 6, 10, 8), Rule.CALLING_HOURS
    )
    assert gate(et(2026, 6, 10, 21), channel=channel, point=point).allowed_at == et(2026, 6, 11, 8)
    assert gate(et(2026, 6, 10, 8), channel=channel, point=point) == GateDecision(et(2026, 6, 10, 8), None)
    assert gate(et(2026, 6, 10, 20, 59), channel=channel, point=point).allowed_now


def test_a_point_in_new_york_or_los_angeles_may_only_be_reached_from_11_to_21_eastern() -> None:
    both = phone(zones=(NY, LA))
    assert gate(et(2026, 6, 10, 10, 59), point=both).allowed_at == et(2026, 6, 10, 11)
    assert gate(et(2026, 6, 10, 11), point=both).allowed_now
    assert gate(et(2026, 6, 10, 20, 59), point=both).allowed_now
    assert gate(et(2026, 6, 10, 21), point=both).allowed_at == et(2026, 6, 11, 11)


def test_a_point_with_no_known_zone_must_be_inside_the_hours_from_guam_to_puerto_rico() -> None:
    """1006.6(b)(1)(i), with "State" including the territories (15 U.S.C. 1692a(8)): nothing known means
    every US zone, Guam to American Samoa; their windows overlap 08:00-11:00 Guam (18:00-21:00 Eastern in June)."""
    unknown = phone(zones=())
    assert gate(et(2026, 6, 10, 12), point=unknown).allowed_at == local("Pacific/Guam", 2026, 6, 11, 8)
    assert local("Pacific/Guam", 2026, 6, 11, 8) == et(2026, 6, 10, 18)
    assert gate(et(2026, 6, 10, 18), point=unknown).allowed_now
    assert gate(et(2026, 6, 10, 20, 59), point=unknown).allowed_now
    assert gate(et(2026, 6, 10, 21), point=unknown).allowed_at == et(2026, 6, 11, 18)
    assert gate(et(2026, 6, 10, 18), point=phone(zones=("Not/AZone",))).allowed_now
    assert gate(et(2026, 6, 10, 17, 59), point=phone(zones=("Not/AZone",))).allowed_at == et(2026, 6, 10, 18)


def test_spring_forward_day_opens_at_8am_daylight_time() -> None:
    decision = gate(datetime(2026, 3, 8, 6, 30, tzinfo=UTC))  # 01:30 EST, half an hour before the clocks jump
    assert decision == GateDecision(datetime(2026, 3, 8, 12, tzinfo=UTC), Rule.CALLING_HOURS)  # 08:00 EDT
    assert gate(datetime(2026, 3, 8, 11, 59, tzinfo=UTC)).allowed_at == datetime(2026, 3, 8, 12, tzinfo=UTC)


def test_fall_back_day_opens_at_8am_standard_time_and_closes_at_9pm_standard_time() -> None:
    decision = gate(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))  # 01:30 EDT, the first of two 01:30s
    assert decision.allowed_at == datetime(2026, 11, 1, 13, tzinfo=UTC)  # 08:00 EST
    assert not gate(datetime(2026, 11, 1, 12, 59, tzinfo=UTC)).allowed_now  # 07:59 EST
    assert gate(datetime(2026, 11, 2, 1, 59, tzinfo=UTC)).allowed_now  # 20:59 EST
    assert gate(datetime(2026, 11, 2, 2, tzinfo=UTC)).allowed_at == datetime(2026, 11, 2, 13, tzinfo=UTC)


def test_letters_ignore_the_hours_and_do_not_count_as_calls() -> None:
    letter = ContactPoint(3, "address", zones=[NY])
    assert gate(et(2026, 6, 10, 3), channel=Channel.LETTER, point=letter).allowed_now
    letters = [ContactRecord(0, Channel.LETTER, 3, et(2026, 6, day, 10), sent=True) for day in range(1, 9)]
    assert gate(et(2026, 6, 8, 12), facts(*letters)).allowed_now


def test_zones_too_far_apart_to_share_an_hour_never_allow_a_call() -> None:
    apart = phone(zones=("Etc/GMT+8", "UTC", "Etc/GMT-8"))  # 08:00-21:00 in UTC-8, UTC and UTC+8 never meet
    assert gate(et(2026, 6, 10, 12), point=apart) == GateDecision(None, Rule.CALLING_HOURS)
    assert gate(et(2026, 6, 10, 12), point=apart, channel=Channel.LETTER).allowed_now


# Rules that no amount of waiting satisfies


def test_a_cease_communication_request_stops_every_contact() -> None:
    ceased = facts(cease_communication=True, attorney_point_ids=frozenset({1}))
    for channel in Channel:
        assert gate(et(2026, 6, 10, 12), ceased, channel=channel) == GateDecision(None, Rule.CEASE_COMMUNICATION)


def test_once_an_attorney_is_known_only_the_attorneys_points_may_be_contacted() -> None:
    represented = facts(attorney_point_ids=frozenset({7}))
    assert gate(et(2026, 6, 10, 12), represented) == GateDecision(None, Rule.ATTORNEY_REPRESENTED)
    assert gate(et(2026, 6, 10, 12), represented, point=phone(7)).allowed_now
    flagged = facts(attorney_known=True)
    assert gate(et(2026, 6, 10, 12), flagged).rule == Rule.ATTORNEY_REPRESENTED
    assert gate(et(2026, 6, 10, 12), flagged, point=phone(8, role="attorney")).allowed_now


def test_bad_opted_out_and_unconsented_points_are_refused_for_good() -> None:
    noon = et(2026, 6, 10, 12)
    assert gate(noon, point=phone(bad=True, opted_out=True)) == GateDecision(None, Rule.BAD_CONTACT_POINT)
    assert gate(noon, point=phone(opted_out=True), channel=Channel.SMS) == GateDecision(None, Rule.OPTED_OUT)
    assert gate(noon, point=phone(2)).allowed_now  # the opt-out belongs to the other number
    assert gate(noon, point=phone(consent_sms=False), channel=Channel.SMS) == GateDecision(None, Rule.NO_CONSENT)
    assert gate(noon, point=phone(consent_autodialer=False), autodialed=True).rule == Rule.NO_CONSENT
    assert gate(noon, point=phone(consent_autodialer=False)).allowed_now  # a manually dialled call


# Validation notice (1006.34)


def test_nothing_but_the_validation_notice_goes_out_before_the_notice_is_sent() -> None:
    fresh = facts(validation_notice_sent_at=None)
    noon = et(2026, 6, 10, 12)
    assert gate(noon, fresh) == GateDecision(None, Rule.VALIDATION_NOTICE_FIRST)
    address = ContactPoint(3, "address", zones=[NY])
    assert gate(noon, fresh, channel=Channel.LETTER, point=address, validation_notice=True).allowed_now
    assert gate(noon, fresh, profile=REG_F.with_overlay(validation_notice_first=False)).allowed_now


def test_a_contact_may_go_with_the_notice_but_not_before_a_notice_dated_later() -> None:
    noon = et(2026, 6, 10, 12)
    assert gate(noon, facts(validation_notice_sent_at=noon)).allowed_now
    dated_later = facts(validation_notice_sent_at=noon + timedelta(hours=2))
    assert gate(noon, dated_later) == GateDecision(noon + timedelta(hours=2), Rule.VALIDATION_NOTICE_FIRST)


def test_the_validation_period_ends_thirty_days_after_receipt_five_business_days_after_sending() -> None:
    thursday = datetime(2026, 6, 4, 15, tzinfo=UTC)
    assert assumed_receipt_date(thursday) == date(2026, 6, 11)  # Fri, Mon, Tue, Wed, Thu
    assert validation_period_end(thursday) == date(2026, 7, 11)
    saturday = datetime(2026, 6, 6, 15, tzinfo=UTC)
    assert validation_period_end(saturday) == date(2026, 7, 12)
    friday_evening_eastern = et(2026, 6, 5, 21)  # already Saturday in UTC
    assert validation_period_end(friday_evening_eastern) == date(2026, 7, 12)


def test_1006_34_b_5_legal_public_holidays_are_not_business_days_in_the_validation_period() -> None:
    """1006.34(b)(5): receipt is assumed five days after sending, excluding legal public holidays,
    Saturdays and Sundays. Before, a notice sent the day before Thanksgiving printed 2027-01-01."""
    before_thanksgiving = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wed; Thu 26 is Thanksgiving
    assert assumed_receipt_date(before_thanksgiving) == date(2026, 12, 3)  # Fri, Mon, Tue, Wed, Thu
    assert validation_period_end(before_thanksgiving) == date(2027, 1, 2)
    # Independence Day 2026 is a Saturday, observed on Friday July 3: that Friday is not a business day.
    assert assumed_receipt_date(datetime(2026, 6, 30, 15, tzinfo=UTC)) == date(2026, 7, 8)
    # Christmas and New Year's Day, both Fridays: Thu 24, Mon 28, Tue 29, Wed 30, Thu 31; then Tue 5.
    assert assumed_receipt_date(datetime(2026, 12, 23, 15, tzinfo=UTC)) == date(2026, 12, 31)
    assert assumed_receipt_date(datetime(2026, 12, 28, 15, tzinfo=UTC)) == date(2027, 1, 5)


# Inputs


def test_the_gate_refuses_naive_times_and_profiles_that_make_no_sense() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        gate(datetime(2026, 6, 10, 12))
    with pytest.raises(ValueError):
        ComplianceProfile(earliest_local=time(21), latest_local=time(8))
    with pytest.raises(ValueError):
        REG_F.with_overlay(max_calls_per_7_days=-1)
    with pytest.raises(TypeError):
        REG_F.with_overlay(calls_per_week=2)
