"""Creditor changes in the domain: their checks, the stage `recalled`, and how the itemization takes them."""

from __future__ import annotations

from datetime import date

import pytest

from domain import authority, validation
from domain.creditor_messages import WRITE_DOWN_CREDITS, ChargeInput, CreditInput, CreditKind
from domain.itemization import creditor_totals, itemize
from domain.stages import TERMINAL_STAGES, Stage

TODAY = date(2026, 12, 7)


def charge(**changes: object) -> ChargeInput:
    fields: dict[str, object] = {
        "amount_cents": 12_500, "service_date": "2026-11-20", "description": "office visit", "reference": "V-1",
    }  # fmt: skip
    fields.update(changes)
    return ChargeInput(**fields)  # type: ignore[arg-type]


def test_a_well_formed_charge_passes() -> None:
    assert validation.charge_problem(charge(), TODAY, maximum_cents=100_000_00) is None


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"amount_cents": 0}, "a charge must be positive"),
        ({"amount_cents": -5}, "a charge must be positive"),
        ({"amount_cents": 200_000_000}, "over the maximum for a charge"),
        ({"reference": "  "}, "needs the creditor's reference"),
        ({"reference": "R" * 129}, "at most 128 printable characters"),
        ({"service_date": "20/11/2026"}, "must be an ISO date"),
        ({"service_date": "2026-12-08"}, "is in the future"),
        ({"description": ""}, "description (its service line) is empty"),
        ({"description": "x" * 201}, "at most 200 printable characters"),
    ],
)
def test_a_charge_is_refused_with_one_line_saying_why(changes: dict[str, object], says: str) -> None:
    problem = validation.charge_problem(charge(**changes), TODAY, maximum_cents=100_000_00)
    assert problem is not None and says in problem and "\n" not in problem


def test_a_credit_needs_a_known_kind_a_positive_amount_and_a_reference() -> None:
    assert validation.credit_problem(CreditInput(100, CreditKind.INSURANCE, "EOB-1")) is None
    assert "positive" in (validation.credit_problem(CreditInput(0, CreditKind.ADJUSTMENT, "A")) or "")
    assert "kind is one of" in (validation.credit_problem(CreditInput(1, "refund", "A")) or "")  # type: ignore[arg-type]
    assert "reference" in (validation.credit_problem(CreditInput(1, CreditKind.ADJUSTMENT, " ")) or "")


def test_a_recall_needs_a_reason() -> None:
    assert validation.creditor_recall_problem("the creditor closed it") is None
    assert validation.creditor_recall_problem(" ") == "the recall's reason is empty"


def test_recalled_is_a_closing_stage_and_not_a_working_one() -> None:
    assert Stage.RECALLED in TERMINAL_STAGES and Stage.RECALLED.is_terminal and not Stage.RECALLED.is_working


def test_allowances_and_adjustments_are_write_downs_under_the_limit_an_insurance_payment_is_not() -> None:
    assert {CreditKind.CONTRACTUAL_ALLOWANCE, CreditKind.ADJUSTMENT} == WRITE_DOWN_CREDITS
    assert authority.needs_approval("operations", 10_001, 10_000)
    assert not authority.needs_approval("supervisor", 10_001, 10_000)


def test_a_charge_before_the_itemization_date_is_in_the_amount_then_one_after_is_another_debt() -> None:
    on = date(2026, 11, 1)
    totals = creditor_totals(on, [
        ("charge", 5_000, date(2026, 10, 30)), ("charge", 12_500, date(2026, 11, 20)),
        ("insurance", -4_000, None), ("contractual_allowance", -1_000, None),
    ])  # fmt: skip
    assert (totals.charges_cents, totals.new_debt_cents, totals.insurance_cents) == (5_000, 12_500, 4_000)
    # loaded 50,000; +5,000 +12,500 -4,000 (insurance) -1,000 (allowance) -2,000 (a payment): 60,500 now
    items = itemize(
        on, amount_on_itemization_date_cents=50_000, current_cents=60_500, payments_cents=2_000 + 4_000,
        charges_cents=totals.charges_cents, new_debt_cents=totals.new_debt_cents,
    )  # fmt: skip
    assert (items.amount_on_itemization_date_cents, items.fees_cents) == (55_000, 0), "a charge is never a fee"
    assert (items.payments_cents, items.credits_cents) == (6_000, 1_000)
    assert items.current_cents == 60_500 - 12_500, "the new debt is not in this itemization's current amount"


def test_without_creditor_changes_the_itemization_is_as_before() -> None:
    before = itemize(
        date(2026, 1, 1), amount_on_itemization_date_cents=10_000, current_cents=7_000, payments_cents=2_000
    )
    assert (before.credits_cents, before.fees_cents, before.current_cents) == (1_000, 0, 7_000)
