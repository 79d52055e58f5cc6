"""Holds (bankruptcy, death, dispute, legal) and the claims filed under them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Document, RowId

HOLD_KINDS = ("bankruptcy", "deceased", "dispute", "legal")
CLAIM_KINDS = ("proof_of_claim", "estate_claim")


class HoldRow(Base):
    """A hold on collection (bankruptcy, deceased, dispute, legal); one per (account, reference)."""

    __tablename__ = "holds"
    __table_args__ = (
        UniqueConstraint("account_id", "reference"),
        CheckConstraint(f"kind IN {HOLD_KINDS!r}", name="kind"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    reference: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, str]] = mapped_column(Document)
    """Case number, court, dates; a representative's name and contact too (never audited)."""
    placed_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))


class ClaimRow(Base):
    """A proof of claim or estate claim filed under a hold; one per (account, hold, kind)."""

    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("account_id", "hold_reference", "kind"),
        ForeignKeyConstraint(["account_id", "hold_reference"], ["holds.account_id", "holds.reference"]),
        CheckConstraint(f"kind IN {CLAIM_KINDS!r}", name="kind"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"))
    hold_reference: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    amount_cents: Mapped[int]
    deadline: Mapped[date]
    """The bar date of a bankruptcy, or the estate's claims deadline."""
    filed_at: Mapped[datetime]
