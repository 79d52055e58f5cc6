"""Inbound contacts and staff-recorded facts, as pure rules (domain.inbound, domain.cadence.record_inbound)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.cadence import ContactProgress, apply_outcome, record_inbound
from domain.compliance import REG_F, AccountContactFacts, ContactRequest, earliest_allowed
from domain.contact import Channel, ContactPoint, ContactRecord, Outcome, Rule
from domain.contact_messages import ContactSnapshot
from domain.inbound import InboundContactInput, describe_inbound

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
PHONE = ContactPoint(point_id=1, kind="phone", zones=["America/New_York"])


def call(outcome: Outcome = Outcome.REFUSED, *, at: datetime = NOW, consent: bool = False) -> InboundContactInput:
    return InboundContactInput("in-1", Channel.CALL, outcome, at, consent_to_calls=consent)


def test_an_inbound_conversation_is_a_telephone_conversation_for_the_gate_1006_14_b_2_i_B() -> None:
    """1006.14(b)(2)(i)(B): whoever placed the call, no call for 7 days after the conversation."""
    progress = ContactProgress(attempt_seq=4, attempts_without_contact=3)
    record = record_inbound(progress, inbound_id="in-1", channel=Channel.CALL, outcome=Outcome.REFUSED, at=NOW)
    assert record is not None and record.inbound and not record.sent and record.attempt_no == 5
    assert progress.attempts_without_contact == 0 and progress.right_party_contact_at is None
    facts = AccountContactFacts(validation_notice_sent_at=NOW - timedelta(days=10), history=progress.history)
    answer = earliest_allowed(ContactRequest(Channel.CALL, PHONE), facts, REG_F, NOW + timedelta(days=1))
    assert answer.rule == Rule.CONVERSATION_QUIET_PERIOD
    assert answer.allowed_at is not None and answer.allowed_at.date() >= date(2026, 12, 14)


def test_the_same_inbound_contact_twice_is_remembered_once() -> None:
    progress = ContactProgress()
    first = record_inbound(progress, inbound_id="in-1", channel=Channel.CALL, outcome=Outcome.REFUSED, at=NOW)
    again = record_inbound(progress, inbound_id="in-1", channel=Channel.CALL, outcome=Outcome.REFUSED, at=NOW)
    assert first is not None and again is None and len(progress.history) == 1 and progress.attempt_seq == 1


def test_an_inbound_right_party_contact_moves_the_account_on_and_a_text_is_no_conversation() -> None:
    progress = ContactProgress(attempts_without_contact=2)
    record_inbound(progress, inbound_id="t", channel=Channel.SMS, outcome=Outcome.RIGHT_PARTY_CONTACT, at=NOW)
    assert progress.right_party_contact_at == NOW and progress.attempts_without_contact == 0
    facts = AccountContactFacts(validation_notice_sent_at=NOW - timedelta(days=10), history=progress.history)
    answer = earliest_allowed(ContactRequest(Channel.CALL, PHONE), facts, REG_F, NOW + timedelta(days=1))
    assert answer.rule != Rule.CONVERSATION_QUIET_PERIOD, "a text is not a telephone conversation"


def test_a_busy_or_dead_line_passes_through_as_an_outcome_and_is_no_contact_1006_14_b_3_ii() -> None:
    """1006.14(b)(3)(ii): the dialer's busy and not-in-service reach the history as they are."""
    progress = ContactProgress(attempts_without_contact=1)
    progress.history.append(ContactRecord(1, Channel.CALL, 1, NOW, sent=True))
    progress.history.append(ContactRecord(2, Channel.CALL, 1, NOW, sent=True))
    snapshot = ContactSnapshot("A1", points=[PHONE])
    busy = apply_outcome(progress, snapshot, attempt_no=1, outcome=Outcome.BUSY, at=NOW)
    dead = apply_outcome(progress, snapshot, attempt_no=2, outcome=Outcome.NOT_IN_SERVICE, at=NOW)
    assert busy is not None and busy.outcome == Outcome.BUSY
    assert dead is not None and dead.outcome == Outcome.NOT_IN_SERVICE
    assert progress.attempts_without_contact == 1 and progress.right_party_contact_at is None


def test_the_line_a_person_reads_says_what_the_contact_changes_1006_14_b_3_i() -> None:
    """1006.14(b)(3)(i): with prior consent the line names the consent's 7 days, not a quiet period."""
    quiet = describe_inbound("A1", call(), local_day=date(2026, 12, 7), quiet_days=7)
    assert quiet == (
        "inbound call recorded for account A1: a telephone conversation (refused); "
        "no calls before 2026-12-14 (1006.14(b)(2)(i)(B))"
    )
    consent = describe_inbound("A1", call(consent=True), local_day=date(2026, 12, 7), quiet_days=7)
    assert "no calls before" not in consent and "prior consent to calls until 2026-12-14" in consent
    letter = InboundContactInput("l", Channel.LETTER, Outcome.PROMISE_TO_PAY, NOW)
    assert describe_inbound("A1", letter, local_day=date(2026, 12, 7), quiet_days=7) == (
        "inbound letter recorded for account A1: promise to pay; a right-party contact"
    )
