from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import negotiation
from domain.negotiation import NegotiationPolicy
from domain.negotiation_messages import (
    Installment,
    InstallmentStatus,
    NegotiationState,
    Offer,
    OfferKind,
    PendingApproval,
    PlanProposal,
    Promise,
    ProposalAnswer,
    ProposalDecision,
)
from domain.stages import Stage

TODAY = date(2026, 3, 1)
POLICY = NegotiationPolicy(in_policy_discount_bps=500)
BALANCE = 100_000


def evaluate(balance_cents: int = BALANCE, policy: NegotiationPolicy = POLICY, **proposal: Any) -> ProposalAnswer:
    return negotiation.evaluate_proposal(PlanProposal(**proposal), balance_cents, policy, TODAY)


def settlement(settle_cents: int, balance_cents: int = BALANCE) -> Offer:
    return Offer(OfferKind.SETTLEMENT, settle_cents, balance_cents - settle_cents)


# --- schedules and offers ---------------------------------------------------------------------------------


def test_a_schedule_spreads_the_remainder_cents_over_the_first_installments() -> None:
    schedule = negotiation.installment_schedule(1_000, 3, date(2026, 3, 15), 30)
    assert [i.amount_cents for i in schedule] == [334, 333, 333]
    assert [i.number for i in schedule] == [1, 2, 3]
    assert [i.due_date for i in schedule] == ["2026-03-15", "2026-04-14", "2026-05-14"]
    assert all(i.status == InstallmentStatus.SCHEDULED and i.paid_cents == 0 for i in schedule)


def test_a_schedule_needs_at_least_one_installment() -> None:
    with pytest.raises(ValueError, match="at least one installment"):
        negotiation.installment_schedule(1_000, 0, TODAY, 30)


def test_the_offers_are_pay_in_full_today_the_plans_over_the_minimum_and_the_in_policy_settlement() -> None:
    offers = negotiation.offers_for(10_000, POLICY, TODAY)
    pay_in_full, *plans, settle = offers
    assert pay_in_full.kind == OfferKind.PAY_IN_FULL and pay_in_full.installments[0].due_date == "2026-03-01"
    assert [len(p.installments) for p in plans] == [2, 3, 4]  # $100 / 5 = $20 is under the $25 minimum
    assert all(p.kind == OfferKind.INSTALLMENTS and p.installments[0].due_date == "2026-03-15" for p in plans)
    assert (settle.kind, settle.total_cents, settle.discount_cents) == (OfferKind.SETTLEMENT, 9_500, 500)
    assert settle.discount_basis_points == 500


def test_a_short_first_payment_window_brings_the_offered_plans_forward() -> None:
    offers = negotiation.offers_for(10_000, NegotiationPolicy(first_payment_within_days=3), TODAY)
    assert offers[1].installments[0].due_date == "2026-03-04"


def test_no_settlement_is_offered_without_an_in_policy_discount_and_nothing_without_a_balance() -> None:
    assert all(o.kind != OfferKind.SETTLEMENT for o in negotiation.offers_for(10_000, NegotiationPolicy(), TODAY))
    assert negotiation.offers_for(0, POLICY, TODAY) == []
    assert negotiation.offers_for(-500, POLICY, TODAY) == []


def test_every_offered_plan_is_accepted_when_proposed_back() -> None:
    for offer in negotiation.offers_for(BALANCE, POLICY, TODAY)[1:-1]:
        answer = evaluate(installments=len(offer.installments), first_payment_on=offer.installments[0].due_date)
        assert answer.decision == ProposalDecision.ACCEPTED and answer.offer == offer


# --- installment proposals --------------------------------------------------------------------------------


def test_an_installment_plan_within_policy_is_accepted_with_its_exact_schedule() -> None:
    answer = evaluate(installments=3, first_payment_on="2026-03-20")
    assert answer.decision == ProposalDecision.ACCEPTED and answer.offer is not None
    assert answer.offer.kind == OfferKind.INSTALLMENTS and answer.offer.discount_cents == 0
    assert [i.amount_cents for i in answer.offer.installments] == [33_334, 33_333, 33_333]
    assert answer.offer.installments[-1].due_date == "2026-05-19"
    assert "\n" not in answer.reason


def test_one_installment_is_paying_in_full_even_under_the_minimum() -> None:
    answer = evaluate(balance_cents=1_000, installments=1)
    assert answer.decision == ProposalDecision.ACCEPTED and answer.offer is not None
    assert answer.offer.kind == OfferKind.PAY_IN_FULL and answer.offer.installments[0].due_date == "2026-03-15"


def test_more_installments_than_the_segment_allows_are_rejected_naming_the_limit() -> None:
    answer = evaluate(installments=13)
    assert answer.decision == ProposalDecision.REJECTED and "at most 12 installments" in answer.reason
    assert answer.offer is None
    assert "at least 1 installment" in evaluate(installments=0).reason


@pytest.mark.parametrize(
    ("first_payment_on", "reason"),
    [
        ("2026-02-28", "is in the past"),
        ("2026-04-01", "more than 30 days away (latest 2026-03-31)"),
        ("next friday", "is not a date like 2026-03-01"),
        ("2026-02-30", "is not a date"),
    ],
)
def test_a_first_payment_outside_the_window_or_not_a_date_is_rejected(first_payment_on: str, reason: str) -> None:
    answer = evaluate(installments=2, first_payment_on=first_payment_on)
    assert answer.decision == ProposalDecision.REJECTED and reason in answer.reason


def test_the_first_payment_may_be_today_or_the_last_day_of_the_window() -> None:
    assert evaluate(installments=2, first_payment_on="2026-03-01").decision == ProposalDecision.ACCEPTED
    assert evaluate(installments=2, first_payment_on="2026-03-31").decision == ProposalDecision.ACCEPTED


def test_installments_under_the_minimum_are_rejected_with_both_amounts() -> None:
    answer = evaluate(balance_cents=10_000, installments=5)
    assert answer.decision == ProposalDecision.REJECTED
    assert answer.reason == "installments of $20.00 are under the minimum of $25.00"


def test_a_proposal_must_name_installments_or_a_settlement_but_not_both() -> None:
    assert "not both or neither" in evaluate().reason
    assert evaluate(installments=2, settle_cents=50_000).decision == ProposalDecision.REJECTED


def test_nothing_is_negotiated_on_an_account_that_owes_nothing() -> None:
    answer = evaluate(balance_cents=0, installments=2)
    assert answer.decision == ProposalDecision.REJECTED and "nothing is owed" in answer.reason


# --- settlements and approvals ----------------------------------------------------------------------------


def test_a_settlement_within_the_in_policy_discount_is_accepted() -> None:
    answer = evaluate(settle_cents=95_000, first_payment_on="2026-03-10")
    assert answer.decision == ProposalDecision.ACCEPTED and answer.offer is not None
    assert (answer.offer.kind, answer.offer.total_cents, answer.offer.discount_cents) == (
        OfferKind.SETTLEMENT, 95_000, 5_000,
    )  # fmt: skip
    assert [(i.amount_cents, i.due_date) for i in answer.offer.installments] == [(95_000, "2026-03-10")]


def test_a_settlement_without_a_date_is_due_at_the_default_first_payment() -> None:
    answer = evaluate(settle_cents=96_000)
    assert answer.offer is not None and answer.offer.installments[0].due_date == "2026-03-15"


def test_a_settlement_one_cent_over_the_in_policy_discount_needs_approval() -> None:
    answer = evaluate(settle_cents=94_999)
    assert answer.decision == ProposalDecision.PENDING_APPROVAL and answer.required_role == "collector"


@pytest.mark.parametrize(
    ("settle_cents", "role"), [(92_000, "collector"), (90_000, "collector"), (80_000, "supervisor")]
)
def test_a_discount_over_policy_goes_to_the_least_senior_role_that_may_approve_it(settle_cents: int, role: str) -> None:
    answer = evaluate(settle_cents=settle_cents)
    assert answer.decision == ProposalDecision.PENDING_APPROVAL and answer.required_role == role
    assert answer.offer is not None and answer.offer.kind == OfferKind.SETTLEMENT
    assert f"needs {role} approval" in answer.reason


def test_the_least_senior_role_is_chosen_whatever_order_the_roles_are_listed_in() -> None:
    policy = NegotiationPolicy(role_authority_bps=(("director", 5_000), ("collector", 1_000), ("supervisor", 3_000)))
    assert evaluate(settle_cents=75_000, policy=policy).required_role == "supervisor"


def test_a_discount_beyond_every_approval_limit_is_rejected() -> None:
    answer = evaluate(settle_cents=55_000)
    assert answer.decision == ProposalDecision.REJECTED
    assert answer.reason == "a 45% discount is beyond every approval limit (supervisor: 30%)"


def test_a_settlement_must_be_more_than_zero_and_no_more_than_the_balance() -> None:
    assert "more than $0.00" in evaluate(settle_cents=0).reason
    assert evaluate(settle_cents=100_001).reason == "a settlement of $1,000.01 is more than the balance of $1,000.00"


def test_settling_for_the_whole_balance_is_paying_in_full() -> None:
    answer = evaluate(settle_cents=BALANCE, policy=NegotiationPolicy())
    assert answer.decision == ProposalDecision.ACCEPTED and answer.offer is not None
    assert answer.offer.kind == OfferKind.PAY_IN_FULL and answer.offer.discount_cents == 0


def test_a_settlement_date_outside_the_window_is_refused_not_replaced() -> None:
    answer = evaluate(settle_cents=95_000, first_payment_on="2026-06-01")
    assert answer.decision == ProposalDecision.REJECTED and "more than 30 days away" in answer.reason


def test_each_role_may_approve_up_to_its_own_limit() -> None:
    assert negotiation.may_approve("collector", settlement(90_000), POLICY) is None
    assert negotiation.may_approve("collector", settlement(89_999), POLICY) == (
        "a 10.01% discount is beyond the collector limit of 10%"
    )
    assert negotiation.may_approve("supervisor", settlement(70_000), POLICY) is None
    assert negotiation.may_approve("supervisor", settlement(69_000), POLICY) is not None


def test_an_unknown_role_is_told_which_roles_approve() -> None:
    reason = negotiation.may_approve("intern", settlement(99_000), POLICY)
    assert reason == "'intern' is not an approving role (roles: collector, supervisor)"


def test_a_pending_approval_expires_after_the_policy_hours() -> None:
    asked = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert negotiation.approval_deadline(asked, POLICY) == datetime(2026, 3, 4, 9, tzinfo=UTC)


def test_percentages_read_like_a_person_would_write_them() -> None:
    assert [negotiation.format_bps(b) for b in (0, 500, 1_250, 333, 1_001)] == ["0%", "5%", "12.5%", "3.33%", "10.01%"]


# --- payments against a plan ------------------------------------------------------------------------------


def plan() -> list[Installment]:
    return negotiation.installment_schedule(30_000, 3, date(2026, 3, 15), 30)


def test_an_exact_payment_pays_the_oldest_installment() -> None:
    installments = plan()
    assert negotiation.apply_payment_to_plan(installments, 10_000) == 0
    assert [i.status for i in installments] == [
        InstallmentStatus.PAID, InstallmentStatus.SCHEDULED, InstallmentStatus.SCHEDULED,
    ]  # fmt: skip
    assert negotiation.next_installment(installments) is installments[1]


def test_a_partial_payment_fills_the_installment_without_marking_it_paid() -> None:
    installments = plan()
    negotiation.apply_payment_to_plan(installments, 4_000)
    assert (installments[0].paid_cents, installments[0].status) == (4_000, InstallmentStatus.SCHEDULED)
    negotiation.apply_payment_to_plan(installments, 6_000)
    assert (installments[0].paid_cents, installments[0].status) == (10_000, InstallmentStatus.PAID)
    assert installments[1].paid_cents == 0


def test_an_overpayment_spills_into_the_next_installments_and_the_rest_is_returned() -> None:
    installments = plan()
    assert negotiation.apply_payment_to_plan(installments, 25_000) == 0
    assert [i.paid_cents for i in installments] == [10_000, 10_000, 5_000]
    assert negotiation.apply_payment_to_plan(installments, 7_000) == 2_000
    assert all(i.status == InstallmentStatus.PAID for i in installments)
    assert negotiation.next_installment(installments) is None


def test_an_early_payment_counts_for_future_installments() -> None:
    installments = plan()
    negotiation.apply_payment_to_plan(installments, 20_000)  # paid on day one, before any due date
    assert [i.status for i in installments][:2] == [InstallmentStatus.PAID, InstallmentStatus.PAID]


def test_a_missed_installment_paid_late_becomes_paid() -> None:
    installments = plan()
    installments[0].status = InstallmentStatus.MISSED
    negotiation.apply_payment_to_plan(installments, 10_000)
    assert installments[0].status == InstallmentStatus.PAID


def test_an_installment_is_broken_at_midnight_utc_after_the_grace_days_and_not_a_minute_before() -> None:
    installment = plan()[0]  # due 2026-03-15, grace 5 days: judged at 2026-03-21 00:00 UTC
    deadline = negotiation.plan_deadline(installment, POLICY)
    assert deadline == datetime(2026, 3, 21, tzinfo=UTC)
    assert not negotiation.installment_broken(installment, deadline - timedelta(minutes=1), POLICY)
    assert negotiation.installment_broken(installment, deadline, POLICY)


def test_a_paid_installment_is_never_broken() -> None:
    installments = plan()
    negotiation.apply_payment_to_plan(installments, 10_000)
    assert not negotiation.installment_broken(installments[0], datetime(2027, 1, 1, tzinfo=UTC), POLICY)


def test_a_broken_plan_is_renegotiated_until_the_allowance_is_used_then_referred() -> None:
    assert [negotiation.after_broken_plan(used, POLICY) for used in range(4)] == [
        "renegotiate", "renegotiate", "refer", "refer",
    ]  # fmt: skip
    assert negotiation.after_broken_plan(0, NegotiationPolicy(max_renegotiations=0)) == "refer"


# --- promises to pay --------------------------------------------------------------------------------------


def promise() -> Promise:
    return Promise(20_000, "2026-03-10", datetime(2026, 3, 1, 15, tzinfo=UTC), collected_at_promise_cents=5_000)


def test_a_promise_is_kept_when_payments_since_it_cover_the_amount() -> None:
    late = datetime(2026, 4, 1, tzinfo=UTC)
    assert negotiation.promise_status(promise(), 25_000, late, POLICY) == "kept"
    assert negotiation.promise_status(promise(), 24_999, late, POLICY) == "broken"


def test_a_promise_stays_open_until_its_deadline_then_breaks() -> None:
    deadline = datetime(2026, 3, 16, tzinfo=UTC)
    assert negotiation.promise_deadline(promise(), POLICY) == deadline
    assert negotiation.promise_status(promise(), 10_000, deadline - timedelta(minutes=1), POLICY) == "open"
    assert negotiation.promise_status(promise(), 10_000, deadline, POLICY) == "broken"


# --- leaving negotiation without a plan -------------------------------------------------------------------

QUIET = datetime(2026, 3, 1, 12, tzinfo=UTC)


def quiet_talks(**fields: Any) -> NegotiationState:
    return NegotiationState(quiet_since=QUIET, **fields)


@given(days=st.integers(min_value=1, max_value=90), waited=st.timedeltas(timedelta(0), timedelta(days=200)))
def test_a_quiet_negotiation_goes_back_to_contacting_exactly_stall_days_after_its_last_event(
    days: int, waited: timedelta
) -> None:
    policy = NegotiationPolicy(stall_days=days)
    leave = negotiation.negotiation_exit(quiet_talks(), policy, QUIET + waited)
    assert leave == (Stage.CONTACTING if waited >= timedelta(days=days) else None)


@given(waited=st.timedeltas(timedelta(0), timedelta(days=400)))
def test_nothing_in_play_stalls_while_an_approval_a_plan_or_an_open_promise_is_pending(waited: timedelta) -> None:
    open_promise = Promise(1_000, "2026-03-05", QUIET, 0)
    pending = PendingApproval(settlement(80_000), PlanProposal(settle_cents=80_000), "supervisor", QUIET, QUIET)
    for talks in (quiet_talks(promises=[open_promise]), quiet_talks(pending=pending)):
        assert negotiation.stalled_at(talks, POLICY) is None
        assert negotiation.negotiation_exit(talks, POLICY, QUIET + waited) is None


@given(broken=st.integers(min_value=0, max_value=6), limit=st.integers(min_value=1, max_value=5))
def test_the_account_is_referred_once_broken_promises_reach_the_limit(broken: int, limit: int) -> None:
    policy = NegotiationPolicy(max_broken_promises=limit)
    leave = negotiation.negotiation_exit(quiet_talks(promises_broken=broken), policy, QUIET)
    assert leave == (Stage.REFERRED if broken >= limit else None)


def test_a_percentage_takes_the_article_it_is_said_with() -> None:
    from domain.negotiation import a_percent

    assert [a_percent(bps) for bps in (4500, 1808, 800, 1100, 1800, 8000, 1000, 150)] == [
        "a 45%", "an 18.08%", "an 8%", "an 11%", "an 18%", "an 80%", "a 10%", "a 1.5%",
    ]  # fmt: skip
