"""The validation notice's itemization always adds up (12 CFR 1006.34(c)(2)(vii)-(ix)): the amount on the
itemization date, plus interest, plus fees, minus payments, minus credits, is the current amount."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.itemization import itemize

CENTS = st.integers(min_value=0, max_value=10**11)
DAY = date(2026, 10, 2)


@given(amount=CENTS, current=st.integers(min_value=-(10**9), max_value=10**11), paid=CENTS, interest=CENTS, fees=CENTS)
def test_1006_34_c_2_viii_the_itemization_always_adds_up_to_the_current_amount(
    amount: int, current: int, paid: int, interest: int, fees: int
) -> None:
    items = itemize(
        DAY, amount_on_itemization_date_cents=amount, current_cents=current, payments_cents=paid,
        interest_cents=interest, fees_cents=fees,
    )  # fmt: skip

    assert items.current_cents == current
    assert (
        items.amount_on_itemization_date_cents + items.interest_cents + items.fees_cents
        - items.payments_cents - items.credits_cents
    ) == current  # fmt: skip
    assert min(items.interest_cents, items.fees_cents, items.payments_cents, items.credits_cents) >= 0
    known = (items.amount_on_itemization_date_cents, items.payments_cents, items.interest_cents)
    assert known == (amount, paid, interest), "what is known is printed as it is"
    assert items.fees_cents >= fees


def test_1006_34_c_2_viii_what_took_the_balance_down_and_was_not_a_payment_is_a_credit() -> None:
    # $500 owed on the itemization date; $50 paid; a $184.56 settlement discount: $265.44 now.
    items = itemize(DAY, amount_on_itemization_date_cents=50_000, current_cents=26_544, payments_cents=5_000)

    assert (items.interest_cents, items.fees_cents, items.payments_cents, items.credits_cents) == (0, 0, 5_000, 18_456)


def test_an_unexplained_rise_in_the_balance_is_a_fee_never_a_negative_credit() -> None:
    items = itemize(DAY, amount_on_itemization_date_cents=10_000, current_cents=10_500, payments_cents=0)

    assert (items.fees_cents, items.credits_cents, items.current_cents) == (500, 0, 10_500)


def test_negative_payments_interest_or_fees_are_refused() -> None:
    for field in ("payments_cents", "interest_cents", "fees_cents"):
        values = {"payments_cents": 0, "interest_cents": 0, "fees_cents": 0, field: -1}
        with pytest.raises(ValueError, match="cannot be negative"):
            itemize(DAY, amount_on_itemization_date_cents=100, current_cents=100, **values)
