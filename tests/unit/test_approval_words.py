"""How the desk's approval queue says what was proposed and which limit it is over (ops/approvals.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.negotiation import NegotiationPolicy
from domain.negotiation_messages import Installment, Offer, OfferKind
from ops.approvals import as_offer, offer_words, proposal_over, write_down_over
from store.write_downs import WriteDownView

POLICY = NegotiationPolicy(in_policy_discount_bps=500, role_authority_bps=(("collector", 1_000), ("supervisor", 3_000)))


def settlement(total: int, discount: int) -> Offer:
    return Offer(OfferKind.SETTLEMENT, total, discount, [Installment(1, "2026-12-21", total)])


def test_a_settlement_says_its_amount_day_and_discount() -> None:
    assert offer_words(settlement(16_000, 4_000)) == "settlement of $160.00 due 2026-12-21: 20% ($40.00) off"
    plan = Offer(OfferKind.INSTALLMENTS, 30_000, 0, [Installment(n, f"2027-0{n}-01", 10_000) for n in (1, 2, 3)])
    assert offer_words(plan) == "3 installments from 2027-01-01, $300.00 in all"


def test_the_limits_a_discount_is_over_and_who_may_approve_it() -> None:
    assert proposal_over(settlement(16_000, 4_000), POLICY, "supervisor") == (
        "20% off is over the 5% allowed without approval and the collector limit of 10%; "
        "a supervisor may approve up to 30%"
    )
    assert proposal_over(settlement(18_400, 1_600), POLICY, "collector") == (
        "8% off is over the 5% allowed without approval; a collector may approve up to 10%"
    )


def test_an_offer_read_back_from_the_status_is_the_same_offer() -> None:
    offer = settlement(16_000, 4_000)
    recorded = {"kind": "settlement", "total_cents": 16_000, "discount_cents": 4_000,
                "installments": [{"number": 1, "due_date": "2026-12-21", "amount_cents": 16_000, "paid_cents": 0,
                                  "status": "scheduled"}]}  # fmt: skip
    assert as_offer(recorded) == offer and as_offer(recorded).discount_basis_points == 2_000


def test_a_write_down_says_the_requesters_limit() -> None:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    found = WriteDownView(1, "W1", "D-1", "upheld", 10_000, "oscar", "operations", at, "pending", None, None, None)
    assert write_down_over(found, 0) == "every write-down by operations waits for a supervisor (limit $0.00)"
    assert write_down_over(found, 5_000) == "over the operations limit of $50.00"
