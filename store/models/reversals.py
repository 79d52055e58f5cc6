"""Payments reversed (bounced, unauthorized, charged back): once per reversal reference and once per payment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, RowId


class PaymentReversalRow(Base):
    __tablename__ = "payment_reversals"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(128), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    amount_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    return_code: Mapped[str] = mapped_column(String(3))
    clawback_cents: Mapped[int]
    """The agency's commission on the payment, taken back with it."""
    balance_after_cents: Mapped[int]
    recorded_at: Mapped[datetime]
