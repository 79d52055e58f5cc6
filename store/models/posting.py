"""Payment files posted, and the items of them no account could take (the suspense queue)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, RowId

SUSPENSE_STATUSES = ("open", "applied", "refund")


class PaymentPostingRow(Base):
    """One run of `payments post FILE`: who posted which file, and what became of its items."""

    __tablename__ = "payment_postings"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(8))
    items: Mapped[int]
    total_cents: Mapped[int]
    posted_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    posted: Mapped[int] = mapped_column(default=0)
    posted_cents: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    suspense: Mapped[int] = mapped_column(default=0)
    suspense_cents: Mapped[int] = mapped_column(default=0)


class SuspenseItemRow(Base):
    """A posted payment no account could take (no match, a closed account, a refused item), until a person
    applies it to an account or refunds it. Once per bank item reference."""

    __tablename__ = "suspense_items"
    __table_args__ = (CheckConstraint(f"status IN {SUSPENSE_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    item_reference: Mapped[str] = mapped_column(String(128), unique=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("payment_postings.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    line: Mapped[int]
    amount_cents: Mapped[int]
    received_on: Mapped[date]
    account_number: Mapped[str] = mapped_column(String(64))
    remittance_reference: Mapped[str] = mapped_column(String(128))
    payer: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(8), index=True, default="open")
    resolved_account_id: Mapped[str | None] = mapped_column(String(64))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(String(300))
