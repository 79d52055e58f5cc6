"""Placements with collection agencies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, RowId

PLACEMENT_STATUSES = ("placed", "recalled", "closed")


class PlacementRow(Base):
    """An account placed with a collection agency; one row per (account, placement number)."""

    __tablename__ = "placements"
    __table_args__ = (
        UniqueConstraint("account_id", "placement_no"),
        CheckConstraint(f"status IN {PLACEMENT_STATUSES!r}", name="status"),
        CheckConstraint("commission_bps >= 0 AND commission_bps <= 10000", name="commission_bps"),
        CheckConstraint(
            "balance_placed_cents >= 0 AND collected_cents >= 0 AND commission_cents >= 0",
            name="amounts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    placement_no: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[str] = mapped_column(String(64), index=True)
    placed_at: Mapped[datetime]
    balance_placed_cents: Mapped[int]
    commission_bps: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    recalled_at: Mapped[datetime | None]
    recall_reason: Mapped[str | None] = mapped_column(String(200))
    exported_at: Mapped[datetime | None]
    """When the placement went out in the agency's placement file (once)."""
    export_batch_no: Mapped[int | None] = mapped_column(Integer, index=True)
    """The numbered export batch (export_batches) that took this placement."""
    collected_cents: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    commission_cents: Mapped[int] = mapped_column(default=0, server_default=text("0"))
