from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import InvalidAmount, format_cents, parse_amount, plain_amount


@given(st.integers(min_value=1, max_value=10**12))
def test_any_formatted_amount_parses_back_to_the_same_cents(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents
    assert parse_amount(plain_amount(cents)) == cents
    assert "," not in plain_amount(cents) and "$" not in plain_amount(cents)


@pytest.mark.parametrize(
    ("text", "cents"), [("12.34", 1234), ("12", 1200), ("0.5", 50), ("1,234.56", 123456), ("$7.05", 705)]
)
def test_plain_dollar_amounts_become_exact_cents(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-5", "12.345", "1e3", "abc", "", "12.", "1,23.00", "0", "0.00", "NaN", "inf"])
def test_negative_zero_and_malformed_amounts_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def test_negative_balances_read_as_credits() -> None:
    assert format_cents(-1050) == "-$10.50"
