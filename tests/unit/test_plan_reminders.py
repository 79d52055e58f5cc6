"""A missed installment is reminded once, on the strategy's preferred channel, and only through the gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import cadence, negotiation
from domain.contact import Channel, ContactPoint, Rule
from domain.contact_messages import ContactSnapshot
from domain.negotiation_messages import Installment
from ops.strategies import load_strategy

PLAN = load_strategy("default").plan_for(segment="card", state="NY")
NY = ["America/New_York"]
# 12:00 UTC on 2026-03-11 is 08:00 in New York (EDT) and noon in London
NOON_UTC = datetime(2026, 3, 11, 12, tzinfo=UTC)


def progress() -> cadence.ContactProgress:
    return cadence.ContactProgress(validation_notice_sent_at=NOON_UTC - timedelta(days=40))


def snapshot(*points: ContactPoint, cease: bool = False) -> ContactSnapshot:
    return ContactSnapshot("A1", list(points), cease_communication=cease)


EMAIL = ContactPoint(1, "email", zones=NY)
ADDRESS = ContactPoint(2, "address", zones=NY)
PHONE = ContactPoint(3, "phone", zones=NY, consent_sms=True)


def remind(snap: ContactSnapshot, now: datetime, channels: tuple[str, ...] = ("email", "sms", "letter")):
    return cadence.decide_reminder(PLAN, progress(), snap, channels, now, useful_until=now + timedelta(days=5))


def test_the_preferred_channel_is_used_when_the_gate_allows_it_now() -> None:
    decision = remind(snapshot(EMAIL, ADDRESS), NOON_UTC)
    assert (decision.kind, decision.step.channel if decision.step else None) == (cadence.DecisionKind.SEND, "email")
    assert decision.step is not None and decision.step.template == "plan_reminder"


def test_before_calling_hours_the_reminder_waits_for_the_preferred_channel_rather_than_switching() -> None:
    early = NOON_UTC - timedelta(hours=5)  # 03:00 in New York
    decision = remind(snapshot(EMAIL, ADDRESS), early)
    assert decision.kind == cadence.DecisionKind.WAIT and decision.at == NOON_UTC
    assert decision.step is not None and decision.step.channel == Channel.EMAIL


def test_a_channel_the_debtor_cannot_be_reached_on_is_passed_over() -> None:
    decision = remind(snapshot(ContactPoint(1, "email", zones=NY, opted_out=True), ADDRESS), NOON_UTC)
    assert decision.kind == cadence.DecisionKind.SEND and decision.point == ADDRESS


def test_a_wait_that_would_end_after_the_plan_breaks_is_no_use() -> None:
    early = NOON_UTC - timedelta(hours=5)
    decision = cadence.decide_reminder(
        PLAN, progress(), snapshot(EMAIL), ("email",), early, useful_until=early + timedelta(hours=1)
    )
    assert decision.kind == cadence.DecisionKind.SKIP


def test_cease_communication_stops_the_reminder_and_no_channel_means_a_skip() -> None:
    assert remind(snapshot(EMAIL, cease=True), NOON_UTC).kind == cadence.DecisionKind.HALT
    nothing = remind(snapshot(), NOON_UTC)
    assert (nothing.kind, nothing.rule) == (cadence.DecisionKind.SKIP, Rule.BAD_CONTACT_POINT)


def test_an_installment_needs_a_reminder_only_when_past_due_unpaid_unreminded_and_in_grace() -> None:
    policy = negotiation.NegotiationPolicy(grace_days=5)
    due = Installment(2, "2026-03-10", 10_000)
    assert negotiation.reminder_at(due) == NOON_UTC
    assert not negotiation.needs_reminder(due, [], NOON_UTC - timedelta(seconds=1), policy)
    assert negotiation.needs_reminder(due, [], NOON_UTC, policy)
    assert not negotiation.needs_reminder(due, [2], NOON_UTC, policy)
    assert not negotiation.needs_reminder(Installment(2, "2026-03-10", 10_000, 10_000), [], NOON_UTC, policy)
    assert not negotiation.needs_reminder(due, [], negotiation.plan_deadline(due, policy), policy)
    assert not negotiation.needs_reminder(due, [], NOON_UTC, negotiation.NegotiationPolicy(grace_days=0))
    assert not negotiation.needs_reminder(due, [], NOON_UTC, negotiation.NegotiationPolicy(reminder_channels=()))
