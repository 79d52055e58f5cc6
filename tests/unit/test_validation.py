"""domain.validation: the one check per event that the CLI, the web API, ops and the workflow share."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import holds, validation
from domain.contact import Channel, Outcome
from domain.inbound import InboundContactInput
from domain.messages import PaymentInput, ProbateInput
from domain.negotiation import NegotiationPolicy
from domain.negotiation_messages import PlanProposal, PromiseInput

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
MAX = 100_000_000
POLICY = NegotiationPolicy(in_policy_discount_bps=500)


def pay(cents: int = 1_000, reference: str = "R1", received_on: str = "2026-12-01") -> PaymentInput:
    return PaymentInput(cents, reference, received_on)


def full(payment: PaymentInput) -> str | None:
    """The check ops runs before sending: every bound known."""
    return validation.payment_problem(
        payment, TODAY, maximum_cents=MAX, account_since=date(2026, 2, 1), closed_months={"2026-10"}
    )


@pytest.mark.parametrize(
    ("payment", "says"),
    [
        (pay(0), "amount must be positive, got 0 cents"),
        (pay(-500), "amount must be positive, got -500 cents"),
        (pay(MAX + 1), "is over the maximum for a payment"),
        (pay(reference=" "), "payment reference is empty"),
        (pay(reference="R" * 129), "a payment reference is at most 128 printable characters, got 129"),
        (pay(reference="R\x00"), "at most 128 printable characters"),
        (pay(received_on="12/01/2026"), "the payment's date must be an ISO date (YYYY-MM-DD), got '12/01/2026'"),
        (pay(received_on="2026-12-08"), "the payment's date 2026-12-08 is in the future"),
        (pay(received_on="1899-12-31"), "the payment's date 1899-12-31 is before 1900-01-01"),
        (pay(received_on="2026-01-31"), "the payment's date 2026-01-31 is before the account existed (2026-02-01)"),
        (pay(received_on="2026-10-31"), "the payment's date 2026-10-31 is in 2026-10, a month already closed"),
    ],
)
def test_a_payment_that_cannot_be_applied_is_named_in_one_line(payment: PaymentInput, says: str) -> None:
    problem = full(payment)
    assert problem is not None and says in problem and "\n" not in problem


def test_a_good_payment_passes_and_the_workflow_s_own_check_needs_no_store() -> None:
    for day in ("2026-02-01", "2026-11-01", TODAY.isoformat()):
        assert full(pay(MAX, "R" * 128, day)) is None
    assert validation.payment_problem(pay(received_on="2030-01-01")) is None, "no `today`: no date bound"
    assert validation.payment_problem(pay(reference="R" * 129)) is not None, "the 128 limit needs no store"


@pytest.mark.parametrize(
    ("hold", "problem"),
    [
        (holds.bankruptcy_hold("26-1", chapter="9", filed_on="2026-03-01"), "chapter must be one of 7, 11, 13"),
        (holds.bankruptcy_hold("26-1", chapter="7", filed_on="2026-12-08"), "filed_on must be an ISO date not in"),
        (holds.bankruptcy_hold("26-1", chapter="13", filed_on="March 1"), "filed_on must be an ISO date"),
        (holds.bankruptcy_hold(" ", chapter="7", filed_on="2026-03-01"), "a hold needs a reference"),
        (holds.bankruptcy_hold("C" * 129, chapter="7", filed_on="2026-03-01"), "at most 128 printable characters"),
        (holds.deceased_hold("d", date_of_death="2027-01-01"), "date_of_death must be"),
        (holds.dispute_hold("x", reason="r", disputed_cents=0), "disputed amount must be positive"),
        (holds.dispute_hold("x", reason="r", disputed_cents=MAX + 1), "over the maximum for a disputed amount"),
    ],
)
def test_a_hold_missing_what_it_needs_is_refused_with_the_reason(hold, problem: str) -> None:
    found = validation.hold_problem(hold, TODAY, maximum_cents=MAX)
    assert found is not None and problem in found


def test_complete_holds_pass() -> None:
    petition = holds.bankruptcy_hold("26-1", chapter="13", filed_on="2026-03-01", court="SDNY")
    assert validation.hold_problem(petition, TODAY) is None
    assert validation.hold_problem(holds.deceased_hold("d", date_of_death=TODAY.isoformat()), TODAY) is None
    assert validation.hold_problem(holds.dispute_hold("x", reason="not mine", disputed_cents=MAX), TODAY) is None


def call(outcome: Outcome = Outcome.REFUSED, *, at: datetime = NOW) -> InboundContactInput:
    return InboundContactInput("in-1", Channel.CALL, outcome, at)


@pytest.mark.parametrize(
    ("contact", "problem"),
    [
        (call(at=NOW + timedelta(hours=1)), "is in the future"),
        (call(at=NOW - timedelta(days=40)), "before the account existed"),
        (call(at=datetime(2026, 12, 7, 9, 30)), "UTC offset"),
        (InboundContactInput("x", Channel.SMS, Outcome.VOICEMAIL, NOW), "cannot have the outcome voicemail"),
        (call(Outcome.NO_ANSWER), "cannot have the outcome no_answer"),
        (call(Outcome.BUSY), "cannot have the outcome busy"),
    ],
)
def test_an_inbound_contact_that_cannot_be_recorded_is_named(contact: InboundContactInput, problem: str) -> None:
    found = validation.inbound_problem(contact, now=NOW, account_since=NOW - timedelta(days=30))
    assert found is not None and problem in found


def test_a_minute_of_clock_difference_is_now_and_a_good_contact_has_no_problem() -> None:
    assert validation.inbound_problem(call(at=NOW + timedelta(seconds=50)), now=NOW) is None
    assert validation.inbound_problem(call(Outcome.RIGHT_PARTY_CONTACT), now=NOW - timedelta(days=1)) is not None
    assert validation.inbound_problem(call(Outcome.RIGHT_PARTY_CONTACT), now=NOW) is None


@pytest.mark.parametrize(
    ("amount_cents", "due_date", "reason"),
    [
        (0, "2026-12-10", "more than $0.00"),
        (100_001, "2026-12-10", "more than the balance of $1,000.00"),
        (5_000, "2026-12-06", "in the past"),
        (5_000, "2027-01-07", "more than 30 days away"),
        (5_000, "10/12/2026", "not a date"),
        (MAX + 1, "2026-12-10", "over the maximum for a promise"),
    ],
)
def test_a_promise_outside_the_balance_or_the_window_is_refused(amount_cents: int, due_date: str, reason: str) -> None:
    promise = PromiseInput(amount_cents, due_date)
    problem = validation.promise_problem(promise, 100_000, TODAY, POLICY, maximum_cents=MAX)
    assert problem is not None and reason in problem


def test_a_promise_within_the_balance_and_the_window_is_taken() -> None:
    assert validation.promise_problem(PromiseInput(100_000, "2027-01-06"), 100_000, TODAY, POLICY) is None


def test_a_settlement_over_the_maximum_is_refused_before_the_workflow_judges_it() -> None:
    assert "a settlement" in (validation.proposal_problem(PlanProposal(settle_cents=MAX + 1), maximum_cents=MAX) or "")
    assert validation.proposal_problem(PlanProposal(installments=6), maximum_cents=MAX) is None


def test_probate_needs_a_reachable_representative_and_a_believable_deadline() -> None:
    def problem(name: str = "Sam Roe", deadline: str = "2027-03-01", phone: str | None = "2125550100") -> str | None:
        return validation.probate_problem(ProbateInput(name, deadline, phone=phone), TODAY)

    assert problem() is None
    assert problem(name=" ") == "the representative needs a name and a phone or an email"
    assert problem(phone=None) == "the representative needs a name and a phone or an email"
    assert problem(deadline="soon") == "the claims deadline must be an ISO date (YYYY-MM-DD), got 'soon'"
    assert "too far in the future" in (problem(deadline="2040-01-01") or "")


def test_a_contact_outcome_belongs_to_an_attempt_that_went_out() -> None:
    def problem(outcome: Outcome = Outcome.RIGHT_PARTY_CONTACT, **attempt) -> str | None:
        return validation.contact_outcome_problem("A1", 3, outcome, **attempt)

    assert problem(channel=None) == "account A1 has no contact attempt 3"
    assert problem(channel=Channel.CALL, blocked_by="calling_hours") == (
        "attempt 3 of account A1 was blocked (calling_hours): it has no outcome"
    )
    assert problem(Outcome.BUSY, channel=Channel.LETTER) == "busy is a call's outcome; attempt 3 was a letter"
    assert (
        problem(channel=Channel.CALL, inbound=True)
        == "#3 of account A1 is an inbound contact: its outcome came with it"
    )
    assert problem(Outcome.BUSY, channel=Channel.CALL) is None


def test_the_small_events_name_what_is_missing() -> None:
    assert validation.dispute_resolution_problem("resume") == "outcome must be verified or upheld, got 'resume'"
    assert validation.dispute_resolution_problem("upheld") is None
    assert validation.attorney_problem("Lee", phone=None, email=None) == "give the attorney's phone or email (or both)"
    assert validation.attorney_problem(" ", phone="1", email=None) == "the attorney needs a name"
    assert (
        validation.attorney_allows_contact_problem("maybe") == "the reason must be consent or no_response, got 'maybe'"
    )
    assert validation.recall_problem("A1", None, internal_desk="internal") == "account A1 is not placed with an agency"
    assert validation.recall_problem("A1", "internal", internal_desk="internal") == (
        "account A1 is already with the internal desk"
    )
    assert validation.recall_problem("A1", "acme", internal_desk="internal") is None
