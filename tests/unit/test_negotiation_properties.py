"""Properties of the negotiation policy: schedules are exact to the cent, payments are conserved and in order.

Budget: the whole file stays under ~10 s; measured about 3 s on a 2-core machine.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import negotiation
from domain.negotiation import NegotiationPolicy
from domain.negotiation_messages import InstallmentStatus, Offer, OfferKind, PlanProposal, ProposalDecision

EXAMPLES = 1000
TODAY = date(2026, 3, 1)

totals = st.integers(min_value=0, max_value=10**9)
balances = st.integers(min_value=1, max_value=10**8)
counts = st.integers(min_value=1, max_value=60)
bps = st.integers(min_value=0, max_value=9_999)


@st.composite
def policies(draw: st.DrawFn) -> NegotiationPolicy:
    in_policy = draw(st.integers(min_value=0, max_value=2_000))
    limits = draw(st.lists(st.integers(min_value=in_policy, max_value=9_999), max_size=3))
    return NegotiationPolicy(
        max_installments=draw(st.integers(min_value=1, max_value=36)),
        min_installment_cents=draw(st.integers(min_value=0, max_value=50_000)),
        first_payment_within_days=draw(st.integers(min_value=0, max_value=60)),
        installment_interval_days=draw(st.integers(min_value=1, max_value=31)),
        in_policy_discount_bps=in_policy,
        role_authority_bps=tuple((f"role{i}", limit) for i, limit in enumerate(limits)),
    )


@settings(max_examples=EXAMPLES)
@given(totals, counts, st.integers(min_value=1, max_value=31))
def test_a_schedule_always_adds_up_to_the_total_and_no_two_installments_differ_by_more_than_a_cent(
    extra: int, count: int, interval: int
) -> None:
    total = count + extra  # at least a cent per installment
    schedule = negotiation.installment_schedule(total, count, TODAY, interval)
    amounts = [i.amount_cents for i in schedule]
    assert sum(amounts) == total and len(schedule) == count
    assert max(amounts) - min(amounts) <= 1
    assert amounts == sorted(amounts, reverse=True)  # the remainder cents go to the first installments
    assert [i.number for i in schedule] == list(range(1, count + 1))
    assert [date.fromisoformat(i.due_date) for i in schedule] == [
        TODAY + timedelta(days=k * interval) for k in range(count)
    ]


@settings(max_examples=EXAMPLES)
@given(balances, st.integers(min_value=-2, max_value=40), st.integers(min_value=-5, max_value=70), policies())
def test_an_accepted_installment_plan_is_exact_within_the_window_and_never_under_the_minimum(
    balance: int, count: int, days_ahead: int, policy: NegotiationPolicy
) -> None:
    first = TODAY + timedelta(days=days_ahead)
    answer = negotiation.evaluate_proposal(
        PlanProposal(installments=count, first_payment_on=first.isoformat()), balance, policy, TODAY
    )
    in_window = 0 <= days_ahead <= policy.first_payment_within_days
    over_minimum = count == 1 or balance // max(count, 1) >= max(1, policy.min_installment_cents)
    expected = in_window and 1 <= count <= policy.max_installments and over_minimum
    assert (answer.decision == ProposalDecision.ACCEPTED) == expected
    assert answer.decision != ProposalDecision.PENDING_APPROVAL
    if answer.decision == ProposalDecision.ACCEPTED:
        assert answer.offer is not None and answer.offer.discount_cents == 0
        amounts = [i.amount_cents for i in answer.offer.installments]
        assert sum(amounts) == balance and len(amounts) == count
        assert count == 1 or min(amounts) >= max(1, policy.min_installment_cents)
        assert answer.offer.installments[0].due_date == first.isoformat()
    else:
        assert answer.offer is None and answer.reason and "\n" not in answer.reason


@settings(max_examples=EXAMPLES)
@given(balances, bps, policies())
def test_a_settlement_is_accepted_in_policy_else_sent_to_the_least_senior_role_that_covers_it(
    balance: int, discount_bps: int, policy: NegotiationPolicy
) -> None:
    settle = balance - balance * discount_bps // 10_000
    answer = negotiation.evaluate_proposal(PlanProposal(settle_cents=settle), balance, policy, TODAY)
    if settle == 0:
        assert answer.decision == ProposalDecision.REJECTED
        return
    assert answer.offer is not None or answer.decision == ProposalDecision.REJECTED
    actual_bps = Offer(OfferKind.SETTLEMENT, settle, balance - settle).discount_basis_points
    covering = [limit for _, limit in policy.role_authority_bps if limit >= actual_bps]
    if actual_bps <= policy.in_policy_discount_bps:
        assert answer.decision == ProposalDecision.ACCEPTED
    elif covering:
        assert answer.decision == ProposalDecision.PENDING_APPROVAL and answer.required_role is not None
        assert dict(policy.role_authority_bps)[answer.required_role] == min(covering)
        assert answer.offer is not None
        assert negotiation.may_approve(answer.required_role, answer.offer, policy) is None
    else:
        assert answer.decision == ProposalDecision.REJECTED
    if answer.offer is not None:
        assert answer.offer.total_cents + answer.offer.discount_cents == balance
        assert sum(i.amount_cents for i in answer.offer.installments) == settle


@settings(max_examples=300)
@given(balances, policies())
def test_every_offer_the_account_qualifies_for_is_accepted_when_proposed_back(
    balance: int, policy: NegotiationPolicy
) -> None:
    for offer in negotiation.offers_for(balance, policy, TODAY):
        if offer.kind == OfferKind.SETTLEMENT:
            proposal = PlanProposal(settle_cents=offer.total_cents, first_payment_on=offer.installments[0].due_date)
        else:
            proposal = PlanProposal(len(offer.installments), offer.installments[0].due_date)
        answer = negotiation.evaluate_proposal(proposal, balance, policy, TODAY)
        assert answer.decision == ProposalDecision.ACCEPTED and answer.offer == offer


@settings(max_examples=EXAMPLES)
@given(
    st.integers(min_value=24, max_value=10**7),
    st.integers(min_value=1, max_value=24),
    st.lists(st.integers(min_value=0, max_value=3 * 10**6), max_size=30),
)
def test_payments_on_a_plan_are_conserved_fill_installments_in_order_and_mark_only_full_ones_paid(
    total: int, count: int, payments: list[int]
) -> None:
    installments = negotiation.installment_schedule(total, count, TODAY, 30)
    leftover = sum(negotiation.apply_payment_to_plan(installments, amount) for amount in payments)
    assert leftover >= 0
    assert sum(i.paid_cents for i in installments) + leftover == sum(payments)
    assert leftover == 0 or all(i.paid_cents == i.amount_cents for i in installments)
    for earlier, later in zip(installments, installments[1:], strict=False):
        assert later.paid_cents == 0 or earlier.paid_cents == earlier.amount_cents
    for installment in installments:
        assert 0 <= installment.paid_cents <= installment.amount_cents
        assert (installment.status == InstallmentStatus.PAID) == (installment.paid_cents == installment.amount_cents)
