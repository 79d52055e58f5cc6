"""A payment reversed: it bounced (NSF, a closed bank account), was unauthorized, or charged back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.plan_messages import RecordInstallmentsInput


class ReversalReason(StrEnum):
    NSF = "nsf"
    CLOSED_ACCOUNT = "closed_account"
    UNAUTHORIZED = "unauthorized"
    CHARGEBACK = "chargeback"
    OTHER = "other"


@dataclass
class PaymentReversalInput:
    """The event: the payment under `payment_reference` is reversed, once per `reference` (the reversal's own)."""

    payment_reference: str
    reference: str
    reason: ReversalReason
    amount_cents: int
    """The payment's amount, as the store recorded it (the store checks it again)."""
    return_code: str = ""
    """The ACH return reason code (R01..R85) when the bank returned it, else ''."""


@dataclass
class RecordReversalInput:
    account_id: str
    payment_reference: str
    reference: str
    reason: ReversalReason
    amount_cents: int
    return_code: str = ""
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records
    installments: RecordInstallmentsInput | None = None
    """The plan's installments as the reversal leaves them, recorded in its transaction."""
    reopened_promises: list[int] = field(default_factory=list)
    """Promises the reversed payment had kept: open again, judged again with their grace."""


@dataclass
class ReversalRecorded:
    applied: bool
    """False: this reversal (or another of the same payment) was recorded before; nothing changed."""
    amount_cents: int
    balance_cents: int
    clawback_cents: int = 0
    """The agency's commission on the payment, taken back."""
