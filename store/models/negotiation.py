"""Plans, their installments, and promises to pay."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, RowId

PLAN_KINDS = ("pay_in_full", "installments", "settlement")
PLAN_STATUSES = ("active", "completed", "broken", "cancelled")
INSTALLMENT_STATUSES = ("scheduled", "paid", "missed")
PROMISE_STATUSES = ("open", "kept", "broken")


class PlanRow(Base):
    """A repayment plan; at most one 'active' per account (a new plan cancels the one before)."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("account_id", "plan_no"),
        CheckConstraint(f"kind IN {PLAN_KINDS!r}", name="kind"),
        CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status"),
        CheckConstraint("total_cents >= 0 AND discount_cents >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"))
    plan_no: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    total_cents: Mapped[int]
    discount_cents: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    status: Mapped[str] = mapped_column(String(16))
    proposed_by: Mapped[str] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approver_role: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class InstallmentRow(Base):
    __tablename__ = "installments"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint(f"status IN {INSTALLMENT_STATUSES!r}", name="status"),
        CheckConstraint("amount_cents >= 0 AND paid_cents >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(RowId, ForeignKey("plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date]
    amount_cents: Mapped[int]
    paid_cents: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class PromiseRow(Base):
    """A promise to pay, judged kept or broken by the workflow."""

    __tablename__ = "promises"
    __table_args__ = (
        UniqueConstraint("account_id", "promise_no"),
        CheckConstraint(f"status IN {PROMISE_STATUSES!r}", name="status"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"))
    promise_no: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int]
    due_date: Mapped[date] = mapped_column(index=True)
    """Indexed for the work queue's promises due today (0018)."""
    status: Mapped[str] = mapped_column(String(16))
    made_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
