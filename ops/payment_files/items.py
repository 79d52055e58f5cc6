"""What a payment file holds, whatever its format: items, the file's totals, and the one error a bad file gets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PaymentItem:
    line: int
    """1-based line of the file where the item starts (shown in the suspense queue)."""
    item_reference: str
    """The bank's item reference: unique per item in a file, the posting's idempotency key."""
    account_number: str
    """As given, stripped ('' if none)."""
    remittance_reference: str
    """The reference the payer wrote (our letters print the account number), '' if none."""
    amount_cents: int
    """Always > 0."""
    received_on: date
    payer: str
    """'' if none."""


@dataclass(frozen=True)
class FileTotals:
    format: str
    """"csv" or "bai2"."""
    items: int
    total_cents: int


class PaymentFileError(ValueError):
    """A file refused whole, in one line that names the file's line: "line 7: amount 'abc' is not money"."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem
