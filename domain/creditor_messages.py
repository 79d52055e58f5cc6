"""Creditor changes: new charges, credits and adjustments from the creditor, and the creditor's recall.

Each is an event on the account's workflow (signals CHARGE_SIGNAL, CREDIT_SIGNAL, CREDITOR_RECALL_SIGNAL in
domain/workflow_contract.py), checked by domain.validation, written once per the creditor's reference by a
store activity, and audited under the person who entered it (`entered_by`).

A charge's description is the creditor's service line ("office visit"): kept in the store for the account's
own record, never in the audit detail, a log line or a medical account's statement (HIPAA minimum necessary).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.itemization import CHARGE


class CreditKind(StrEnum):
    INSURANCE = "insurance"
    """A payer's payment on the consumer's behalf (its remittance reference): money received, like a payment."""
    CONTRACTUAL_ALLOWANCE = "contractual_allowance"
    """What the creditor's payer contract says it may not bill: a reduction without money, a write-down."""
    ADJUSTMENT = "adjustment"
    """Any other reduction the creditor makes: a write-down."""


WRITE_DOWN_CREDITS = frozenset({CreditKind.CONTRACTUAL_ALLOWANCE, CreditKind.ADJUSTMENT})
"""Credits that take money off without money coming in: under the write-down authority (domain.authority)."""


@dataclass
class ChargeInput:
    """`event charge`: the creditor adds a charge (a new service) to the account."""

    amount_cents: int
    service_date: str
    """ISO date of the service (1006.34(b)(3)(iv): a transaction date)."""
    description: str
    reference: str
    """The creditor's reference: one charge per reference on the account, whatever is sent twice."""
    entered_by: str = "operations"


@dataclass
class CreditInput:
    """`event credit`: the creditor takes money off (an insurance payment, a contractual allowance, an adjustment)."""

    amount_cents: int
    kind: CreditKind
    reference: str
    entered_by: str = "operations"


@dataclass
class CreditorRecallInput:
    """`event creditor-recall`: the creditor takes the account back; it ends `recalled`."""

    reason: str
    entered_by: str = "operations"


@dataclass
class RecordCreditorEntryInput:
    """The store activity's input: a charge (positive `amount_cents`) or a credit (negative), once per reference."""

    account_id: str
    kind: str
    """'charge' or a CreditKind value."""
    reference: str
    amount_cents: int
    entered_by: str
    service_date: str | None = None
    description: str | None = None
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class CreditorEntryRecorded:
    applied: bool
    """False: the reference was recorded before (nothing changed)."""
    balance_cents: int


__all__ = ["CHARGE", "ChargeInput", "CreditInput", "CreditKind", "CreditorRecallInput", "RecordCreditorEntryInput"]
