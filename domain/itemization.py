"""The validation notice's itemization (12 CFR 1006.34(c)(2)(vi)-(viii)): pure, standard library only.

1006.34(b)(3): the itemization date is one of five reference dates (last statement, charge-off, last
payment, transaction, judgment). The engine uses the accounts file's optional `itemization_date` column,
else the account's due date as loaded (the date the creditor's file states the balance for: its last
statement), and the balance loaded (the store's `original_balance_cents`) as the amount of the debt on
that date, 1006.34(c)(2)(vii). The engine
charges no interest and no fees: they are 0 unless a caller knows them.

1006.34(c)(2)(viii): the itemization of the current amount reflects interest, fees, payments and
credits since the itemization date, so that

    amount on the itemization date + interest + fees - payments - credits == current amount

always. `itemize` makes it so: what took the balance down and was not a payment (a settlement's
forgiven part, a write-off, an adjustment) is a credit; what raised it and is not known interest is a
fee (the store never raises a balance, so in practice this is 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Itemization:
    """The itemization table of Model Form B-1 ("Our information shows:"), in cents."""

    itemization_date: date
    amount_on_itemization_date_cents: int
    interest_cents: int
    fees_cents: int
    payments_cents: int
    credits_cents: int

    @property
    def current_cents(self) -> int:
        """1006.34(c)(2)(ix): the current amount of the debt, the table's last line."""
        return (
            self.amount_on_itemization_date_cents
            + self.interest_cents
            + self.fees_cents
            - self.payments_cents
            - self.credits_cents
        )


def itemize(
    itemization_date: date,
    *,
    amount_on_itemization_date_cents: int,
    current_cents: int,
    payments_cents: int,
    interest_cents: int = 0,
    fees_cents: int = 0,
) -> Itemization:
    """The itemization since `itemization_date` whose total is `current_cents` (1006.34(c)(2)(viii)).

    `payments_cents` is what the consumer paid since then; interest and fees what is known to have been
    charged. Payments, interest and fees are never negative (ValueError). Credits are the rest of the
    difference; a difference the payments and credits cannot explain (the balance rose) is a fee.
    """
    for name, value in (("payments", payments_cents), ("interest", interest_cents), ("fees", fees_cents)):
        if value < 0:
            raise ValueError(f"{name} since the itemization date cannot be negative, got {value} cents")
    credits = amount_on_itemization_date_cents + interest_cents + fees_cents - payments_cents - current_cents
    fees = fees_cents
    if credits < 0:
        fees, credits = fees - credits, 0
    return Itemization(
        itemization_date=itemization_date,
        amount_on_itemization_date_cents=amount_on_itemization_date_cents,
        interest_cents=interest_cents,
        fees_cents=fees,
        payments_cents=payments_cents,
        credits_cents=credits,
    )
