"""Properties of the compliance gate, checked against a small independent oracle of Regulation F.

Budget: the whole file must stay under ~25 s on two slow cores. The state machine runs 80 examples of up
to 40 steps (each step also re-asks the gate for calls, texts and emails and probes up to ~100 earlier
instants); the hours property runs 1000 examples and the validation-period property 300. Measured: 8-10 s
for the file on a 2-core machine, 5-7.5 s of it in the state machine.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from holidays.countries.united_states import UnitedStates
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from domain.compliance import (
    AccountContactFacts,
    ComplianceProfile,
    ContactRequest,
    GateDecision,
    assumed_receipt_date,
    earliest_allowed,
    validation_period_end,
)
from domain.contact import CONVERSATION_OUTCOMES, Channel, ContactPoint, ContactRecord, Outcome
from domain.timezones import ALL_US_ZONES, US_STATE_ZONES

MACHINE_EXAMPLES = 80
MACHINE_STEPS = 40
HOURS_EXAMPLES = 1000
PERIOD_EXAMPLES = 300

US_ZONES = sorted({zone for zones in US_STATE_ZONES.values() for zone in zones} | set(ALL_US_ZONES))
DST_DAYS = [datetime(2025, 3, 9), datetime(2025, 11, 2), datetime(2026, 3, 8), datetime(2026, 11, 1)]
TIMED = (Channel.CALL, Channel.SMS, Channel.EMAIL)
MINUTE = timedelta(minutes=1)
SAMPLES = 96
"""Instants checked between now and the answer: every 15 minutes, or spread wider on long waits."""

zone_sets = st.lists(st.sampled_from(US_ZONES), max_size=3, unique=True)
instants = st.one_of(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda day, seconds: day.replace(tzinfo=UTC) + timedelta(seconds=seconds),
        st.sampled_from(DST_DAYS),
        st.integers(-3 * 86_400, 3 * 86_400),
    ),
)
profiles = st.builds(
    ComplianceProfile,
    max_calls_per_7_days=st.integers(1, 7),
    quiet_days_after_conversation=st.integers(0, 7),
    earliest_local=st.sampled_from([time(8), time(9), time(0)]),
    latest_local=st.sampled_from([time(21), time(20), time(23, 59)]),
)
waits = st.one_of(st.integers(1, 180), st.integers(180, 1_440), st.integers(1_440, 10 * 1_440)).map(
    lambda minutes: timedelta(minutes=minutes)
)


class Oracle:
    """Regulation F as a checker of what happened, written independently of the gate."""

    def __init__(self, zones: list[str], profile: ComplianceProfile, history: list[ContactRecord]) -> None:
        self.zones = [ZoneInfo(name) for name in zones or ALL_US_ZONES]
        self.profile = profile
        self.calls = [r.at for r in history if r.channel is Channel.CALL and r.sent and not r.inbound]
        self.conversations = [r.at for r in history if r.channel is Channel.CALL and r.outcome in CONVERSATION_OUTCOMES]
        self.days = [Counter(at.astimezone(zone).date() for at in self.calls) for zone in self.zones]
        self._full: dict[tuple[int, date], bool] = {}

    def inside_hours(self, at: datetime) -> bool:
        p = self.profile
        return all(p.earliest_local <= at.astimezone(zone).time() < p.latest_local for zone in self.zones)

    def quiet_day(self, at: datetime) -> bool:
        """`at` falls on a quiet local day after a conversation (in some zone)."""
        quiet = timedelta(days=self.profile.quiet_days_after_conversation)
        return any(
            c.astimezone(z).date() <= at.astimezone(z).date() < c.astimezone(z).date() + quiet
            for c in self.conversations
            for z in self.zones
        )

    def one_more_call_exceeds_limit(self, at: datetime) -> bool:
        return any(self._full_window_around(index, at.astimezone(zone).date()) for index, zone in enumerate(self.zones))

    def _full_window_around(self, zone_index: int, day: date) -> bool:
        """Some 7-day window holding `day` already has the most calls allowed (memoised: probes share days)."""
        key = (zone_index, day)
        if key not in self._full:
            days, limit = self.days[zone_index], self.profile.max_calls_per_7_days
            windows = (day - timedelta(days=k) for k in range(7))
            self._full[key] = any(sum(days[first + timedelta(days=i)] for i in range(7)) >= limit for first in windows)
        return self._full[key]

    def may_contact(self, channel: Channel, at: datetime) -> bool:
        if channel is Channel.CALL and (self.one_more_call_exceeds_limit(at) or self.quiet_day(at)):
            return False
        return channel is Channel.LETTER or self.inside_hours(at)

    def call_windows_within_limit(self) -> bool:
        for days in self.days:
            for first in days:
                if sum(days[first + timedelta(days=i)] for i in range(7)) > self.profile.max_calls_per_7_days:
                    return False
        return True


def samples_before(start: datetime, end: datetime) -> list[datetime]:
    """`start`, the minute before `end`, and evenly spaced instants between (at least 15 minutes apart)."""
    step = max(timedelta(minutes=15), (end - start) / SAMPLES)
    points = [start, max(start, end - MINUTE)]
    at = start + step
    while at < end:
        points.append(at)
        at += step
    return points


class GateMachine(RuleBasedStateMachine):
    """Random days of an account: time passes, the debtor calls in, calls and messages go out when the gate
    allows them. The gate must never let a violation through nor hold back a contact the rules allow."""

    @initialize(start=instants, zones=zone_sets, profile=profiles)
    def begin(self, start: datetime, zones: list[str], profile: ComplianceProfile) -> None:
        self.now = start
        self.zones = zones
        self.profile = profile
        self.phone = ContactPoint(1, "phone", zones=list(zones), consent_sms=True, consent_autodialer=True)
        self.email = ContactPoint(2, "email", zones=list(zones))
        self.facts = AccountContactFacts(validation_notice_sent_at=start)
        self.placed: list[ContactRecord] = []

    def ask(self, channel: Channel, at: datetime) -> GateDecision:
        point = self.email if channel is Channel.EMAIL else self.phone
        return earliest_allowed(ContactRequest(channel, point, autodialed=True), self.facts, self.profile, at)

    def oracle(self) -> Oracle:
        return Oracle(self.zones, self.profile, self.facts.history)

    def record(self, channel: Channel, *, sent: bool = True, **details: Any) -> ContactRecord:
        point_id = self.email.point_id if channel is Channel.EMAIL else self.phone.point_id
        entry = ContactRecord(len(self.facts.history) + 1, channel, point_id, self.now, sent=sent, **details)
        self.facts.history.append(entry)
        return entry

    def place(self, channel: Channel) -> None:
        assert self.oracle().may_contact(channel, self.now), f"gate allowed a violating {channel} at {self.now}"
        self.placed.append(self.record(channel))

    @rule(wait=waits)
    def time_passes(self, wait: timedelta) -> None:
        self.now += wait

    @rule(channel=st.sampled_from(TIMED))
    def attempt_now(self, channel: Channel) -> None:
        decision = self.ask(channel, self.now)
        if decision.allowed_now:
            self.place(channel)
        else:
            self.record(channel, sent=False, rule=decision.rule)

    @rule(channel=st.sampled_from(TIMED))
    def attempt_as_soon_as_allowed(self, channel: Channel) -> None:
        decision = self.ask(channel, self.now)
        assert decision.allowed_at is not None
        self.now = decision.allowed_at
        self.place(channel)

    @rule(outcome=st.sampled_from([None, *Outcome]))
    def debtor_calls_in(self, outcome: Outcome | None) -> None:
        self.record(Channel.CALL, inbound=True, outcome=outcome)

    @precondition(lambda self: any(r.channel is Channel.CALL for r in self.placed))
    @rule(outcome=st.sampled_from(sorted(CONVERSATION_OUTCOMES)))
    def last_call_turns_out_a_conversation(self, outcome: Outcome) -> None:
        last_call = next(r for r in reversed(self.placed) if r.channel is Channel.CALL)
        last_call.outcome = outcome

    @rule(channel=st.sampled_from(TIMED), fraction=st.floats(0, 1, exclude_max=True))
    def no_instant_before_the_answer_is_allowed(self, channel: Channel, fraction: float) -> None:
        decision = self.ask(channel, self.now)
        assert decision.allowed_at is not None
        minutes = int((decision.allowed_at - self.now) / MINUTE * fraction)
        probe = self.now + minutes * MINUTE
        if probe < decision.allowed_at:
            assert not self.oracle().may_contact(channel, probe), f"{channel} allowed at {probe}, gate said later"

    @invariant()
    def nothing_placed_breaks_the_rules(self) -> None:
        oracle = self.oracle()
        assert oracle.call_windows_within_limit(), "more calls in 7 local days than the profile allows"
        for index, entry in enumerate(self.facts.history):
            if not entry.sent or entry.inbound:
                continue
            assert oracle.inside_hours(entry.at), f"{entry.channel} placed outside hours at {entry.at}"
            if entry.channel is Channel.CALL:
                earlier = Oracle(self.zones, self.profile, self.facts.history[:index])
                assert not earlier.quiet_day(entry.at), f"call at {entry.at} on a quiet day"

    @invariant()
    def every_contact_gets_the_earliest_lawful_time(self) -> None:
        oracle = self.oracle()
        for channel in TIMED:
            decision = self.ask(channel, self.now)
            assert decision.allowed_at is not None and decision.allowed_at >= self.now
            assert (decision.rule is None) == (decision.allowed_at == self.now)
            assert self.ask(channel, decision.allowed_at).allowed_now, "not allowed at the time the gate named"
            assert oracle.may_contact(channel, decision.allowed_at)
            if decision.allowed_at > self.now:
                for probe in samples_before(self.now, decision.allowed_at):
                    assert not oracle.may_contact(channel, probe), f"{channel} lawful at {probe}, gate said later"


GateMachine.TestCase.settings = settings(
    max_examples=MACHINE_EXAMPLES,
    stateful_step_count=MACHINE_STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_the_gate_in_random_account_histories = GateMachine.TestCase


@settings(max_examples=HOURS_EXAMPLES, deadline=None)
@given(zones=zone_sets, now=instants, profile=profiles)
def test_texts_go_at_the_first_instant_inside_the_hours_in_every_zone(
    zones: list[str], now: datetime, profile: ComplianceProfile
) -> None:
    point = ContactPoint(1, "phone", zones=zones, consent_sms=True)
    facts = AccountContactFacts(validation_notice_sent_at=now)
    decision = earliest_allowed(ContactRequest(Channel.SMS, point), facts, profile, now)
    oracle = Oracle(zones, profile, [])
    assert decision.allowed_at is not None and decision.allowed_at >= now
    assert oracle.inside_hours(decision.allowed_at)
    assert decision.allowed_now == oracle.inside_hours(now)
    before = decision.allowed_at - MINUTE
    assert before < now or not oracle.inside_hours(before)


@settings(max_examples=PERIOD_EXAMPLES, deadline=None)
@given(
    sent_at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.timezones()),
)
def test_the_validation_period_ends_more_than_thirty_days_after_sending_and_receipt_is_a_business_day(
    sent_at: datetime,
) -> None:
    """1006.34(b)(5): five days excluding legal public holidays (5 U.S.C. 6103), Saturdays and Sundays."""
    holidays = frozenset(UnitedStates(years=range(2019, 2036), observed=True))
    sent_day = sent_at.astimezone(UTC).date()
    received = assumed_receipt_date(sent_at)
    assert received.weekday() < 5 and received not in holidays
    business_days = [sent_day + timedelta(days=n) for n in range(1, (received - sent_day).days + 1)]
    assert sum(1 for d in business_days if d.weekday() < 5 and d not in holidays) == 5
    assert validation_period_end(sent_at) == received + timedelta(days=30)
    assert validation_period_end(sent_at) > sent_day + timedelta(days=30)
