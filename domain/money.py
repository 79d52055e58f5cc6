"""Money is integer cents. Parsing is strict: a typo must never become a different amount."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"^\$?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?$")
"""ASCII digits only: `\\d` (and int(), Decimal()) would read "١٠" or "１０" as 10."""


class InvalidAmount(ValueError):
    """An amount that is not a plain non-negative number of dollars and cents."""


def parse_amount(text: str, *, allow_zero: bool = False) -> int:
    """Parse '1,234.56', '12', '$0.5' into cents; reject negatives, floats with 3+ decimals, junk."""
    cleaned = text.strip()
    if not _AMOUNT.match(cleaned):
        raise InvalidAmount(f"malformed amount {text!r}: expected dollars and cents like 1234.56")
    try:
        cents = int((Decimal(cleaned.lstrip("$").replace(",", "")) * 100).to_integral_exact())
    except InvalidOperation as err:  # pragma: no cover - the regex already guarantees a number
        raise InvalidAmount(f"malformed amount {text!r}") from err
    if cents == 0 and not allow_zero:
        raise InvalidAmount(f"amount must be greater than zero, got {text!r}")
    return cents


def format_cents(cents: int, currency: str = "USD") -> str:
    """For people: '$1,234.50', '-$0.05', 'EUR 3.00'."""
    sign = "-" if cents < 0 else ""
    symbol = "$" if currency == "USD" else f"{currency} "
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole:,}.{part:02d}"


def plain_amount(cents: int) -> str:
    """For files other systems read: '1234.50', '-0.05' (no symbol, no thousands separator)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"
