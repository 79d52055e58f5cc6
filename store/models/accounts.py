"""The account, its contact points, its payments and its audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Document, RowId

CONTACT_KINDS = ("phone", "email", "address")


class AccountRow(Base):
    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    creditor: Mapped[str]
    debtor_name: Mapped[str]
    street: Mapped[str]
    city: Mapped[str]
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str]
    timezone: Mapped[str | None] = mapped_column(String(64))
    balance_cents: Mapped[int]
    original_balance_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    due_date: Mapped[date] = mapped_column(index=True)
    segment: Mapped[str] = mapped_column(String(64), default="default", server_default="default")
    medical: Mapped[bool] = mapped_column(default=False, server_default=false())
    stage: Mapped[str | None] = mapped_column(String(32), index=True)
    stage_changed_at: Mapped[datetime | None]
    cease_communication_at: Mapped[datetime | None]
    attorney_allows_contact_at: Mapped[datetime | None]
    """The attorney consented to direct contact or did not respond in a reasonable time (1006.6(b)(2))."""
    attorney_allows_contact_reason: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    forgiven_cents: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    """Written off by settlements (the balance went down by as much)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    written_off_cents: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    """Written off as uncollectable, once (the balance went down by as much)."""
    itemization_date: Mapped[date | None]
    """The validation notice's itemization date as loaded (1006.34(b)(3)); None: the due date is (0012)."""
    closing_state: Mapped[dict[str, Any] | None] = mapped_column(Document)
    """The workflow's state as the account closed (paid, settled, ...): a reversed payment reopens it from here."""


class ContactPointRow(Base):
    __tablename__ = "contact_points"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "value"),
        CheckConstraint(f"kind IN {CONTACT_KINDS!r}", name="kind"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str]
    timezone: Mapped[str | None] = mapped_column(String(64))
    consent_autodialer: Mapped[bool] = mapped_column(default=False, server_default=false())
    consent_sms: Mapped[bool] = mapped_column(default=False, server_default=false())
    opted_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    opted_out_at: Mapped[datetime | None]
    opted_out_channels: Mapped[list[str]] = mapped_column(Document, default=list, server_default=text("'[]'"))
    role: Mapped[str] = mapped_column(String(16), default="debtor", server_default="debtor")
    label: Mapped[str | None]
    bad: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Unusable: every reader (the gate, the zones, the rule packs, the pages) skips it. Retiring sets it too."""
    bad_at: Mapped[datetime | None]
    bad_reason: Mapped[str | None] = mapped_column(String(32))
    """wrong_number, returned_mail, bounced, retired (domain.contact_updates.BAD_REASONS); None before 0013."""
    created_at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(String(16))
    """Who gave it: debtor, creditor, skip_trace, returned_mail; None: loaded from the accounts file (0013)."""
    consent_sms_at: Mapped[datetime | None]
    consent_sms_from: Mapped[str | None] = mapped_column(String(16))
    consent_autodialer_at: Mapped[datetime | None]
    consent_autodialer_from: Mapped[str | None] = mapped_column(String(16))
    retired_at: Mapped[datetime | None]
    """Retired (never deleted): the row stays for the attempts that used it and the audit log."""
    retired_by: Mapped[str | None] = mapped_column(String(64))
    retired_reason: Mapped[str | None] = mapped_column(String(32))
    replaced_by: Mapped[int | None] = mapped_column(RowId)
    """The point that corrected this one (`contact update --value`)."""


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    reference: Mapped[str] = mapped_column(String(128), unique=True)
    amount_cents: Mapped[int]
    received_on: Mapped[date]
    source: Mapped[str] = mapped_column(String(32), default="debtor", server_default="debtor")
    balance_after_cents: Mapped[int]
    recorded_at: Mapped[datetime]
    placement_no: Mapped[int | None] = mapped_column(Integer)
    """The agency placement that earned commission on this payment (set once)."""
    commission_cents: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class AuditEntryRow(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(Document)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class CreditorEntryRow(Base):
    """The creditor's changes to a balance: a charge (positive cents) or a credit (negative), once per the
    creditor's reference on the account (0014)."""

    __tablename__ = "creditor_entries"
    __table_args__ = (
        UniqueConstraint("account_id", "reference"),
        CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    """'charge', 'insurance', 'contractual_allowance' or 'adjustment'."""
    reference: Mapped[str] = mapped_column(String(128))
    amount_cents: Mapped[int]
    """Added to the balance: positive for a charge, negative for a credit."""
    service_date: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(String(200))
    """A charge's service line: shown on the account's own record, never in the audit detail or a log."""
    balance_after_cents: Mapped[int]
    entered_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
