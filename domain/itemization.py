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
forgiven part, a write-off, an adjustment, a creditor's allowance) is a credit; what raised it and is not
known interest, a fee or a creditor's charge is a fee (in practice 0).

Creditor changes (domain/creditor_messages.py; README, "Creditor changes and Regulation F"):
- an insurance payment is a payment: made on the consumer's behalf by a third party (the commentary to
  1006.34(b)(3)(iii) counts such a payment as a payment on the debt); contractual allowances and the
  creditor's adjustments are credits;
- a new charge is principal, never a fee: the rule's itemization has no line for new principal, only
  interest, fees, payments and credits *since* the itemization date. A charge for a service on or before the
  itemization date was part of the debt on that date (the creditor reported it late): it is in the amount
  on the itemization date. A charge for a service after it is a new debt: it is not in this itemization at
  all (`new_debt_cents`, taken off the current amount) and needs validation information of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

CHARGE = "charge"
INSURANCE = "insurance"


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
    charges_cents: int = 0,
    new_debt_cents: int = 0,
) -> Itemization:
    """The itemization since `itemization_date` whose total is `current_cents` (1006.34(c)(2)(viii)).

    `payments_cents` is what the consumer paid since then; interest and fees what is known to have been
    charged. Payments, interest and fees are never negative (ValueError). Credits are the rest of the
    difference; a difference the payments and credits cannot explain (the balance rose) is a fee.
    `charges_cents`: the creditor's charges for services on or before the itemization date (in the amount on
    that date); `new_debt_cents`: its charges for services after it (another debt: not in this current amount).
    """
    named = (
        ("payments", payments_cents), ("interest", interest_cents), ("fees", fees_cents),
        ("charges", charges_cents), ("new debt", new_debt_cents),
    )  # fmt: skip
    for name, value in named:
        if value < 0:
            raise ValueError(f"{name} since the itemization date cannot be negative, got {value} cents")
    amount_on_itemization_date_cents += charges_cents
    current_cents -= new_debt_cents
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


@dataclass(frozen=True)
class CreditorTotals:
    """The creditor's changes as the itemization takes them (the other credits fall out as credits)."""

    charges_cents: int = 0
    """Charges for services on or before the itemization date: in the amount on that date."""
    new_debt_cents: int = 0
    """Charges for services after it: a new debt, not in this itemization."""
    insurance_cents: int = 0
    """Insurance payments: payments made on the consumer's behalf."""


def creditor_totals(itemization_date: date, entries: Iterable[tuple[str, int, date | None]]) -> CreditorTotals:
    """Sum the creditor's entries (kind, cents added to the balance, service date) for `itemize`."""
    charges = new_debt = insurance = 0
    for kind, cents, served in entries:
        if kind == CHARGE and served is not None and served > itemization_date:
            new_debt += cents
        elif kind == CHARGE:
            charges += cents
        elif kind == INSURANCE:
            insurance -= cents
    return CreditorTotals(charges, new_debt, insurance)
