"""The collectors' desk: which account a collector has taken from the work queue, and until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base


class AccountClaimRow(Base):
    """An account taken by a collector ("next account"); free again after `expires_at` or when released.

    One row per account, kept after the claim ends: `claimed_at` is when the account was last taken."""

    __tablename__ = "account_claims"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), primary_key=True)
    collector: Mapped[str] = mapped_column(String(64), index=True)
    claimed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
