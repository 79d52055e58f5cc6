"""ORM rows of the account store, kept apart from the domain (callers get store.views)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# BIGINT ids on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")
Document = JSON().with_variant(JSONB(), "postgresql")
CONTACT_KINDS = ("phone", "email", "address")
CHANNELS = ("letter", "email", "sms", "call")
ATTEMPT_STATUSES = ("sending", "sent", "blocked", "unconfirmed", "received")
DIRECTIONS = ("outbound", "inbound")
PLAN_KINDS = ("pay_in_full", "installments", "settlement")
PLAN_STATUSES = ("active", "completed", "broken", "cancelled")
INSTALLMENT_STATUSES = ("scheduled", "paid", "missed")
PROMISE_STATUSES = ("open", "kept", "broken")
PLACEMENT_STATUSES = ("placed", "recalled", "closed")
HOLD_KINDS = ("bankruptcy", "deceased", "dispute", "legal")
CLAIM_KINDS = ("proof_of_claim", "estate_claim")
EXPORT_KINDS = ("outbox", "placements")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite keeps no offset, so UTC is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: the store needs timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), int: BigInteger(), str: String()}


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
    bad_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


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


class ContactAttemptRow(Base):
    """One contact attempt, sent or blocked; at most one per (account, attempt number)."""

    __tablename__ = "contact_attempts"
    __table_args__ = (
        UniqueConstraint("account_id", "attempt_no"),
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        CheckConstraint(f"status IN {ATTEMPT_STATUSES!r}", name="status"),
        CheckConstraint(f"direction IN {DIRECTIONS!r}", name="direction"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"))
    attempt_no: Mapped[int] = mapped_column(Integer)
    """The workflow's numbering, shared by outbound attempts and inbound contacts: never two alike."""
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    contact_point_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("contact_points.id"))
    status: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_at: Mapped[datetime | None]
    template: Mapped[str | None] = mapped_column(String(64))
    validation_notice: Mapped[bool] = mapped_column(default=False, server_default=false())
    direction: Mapped[str] = mapped_column(String(8), default="outbound", server_default="outbound")
    """'inbound': the consumer called, texted, wrote or emailed (status 'received')."""
    consent_to_calls: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The consumer gave prior consent to calls directly to the collector (1006.14(b)(3)(i))."""
    at: Mapped[datetime]
    local_at: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(Document)
    created_at: Mapped[datetime]


class OutboxRow(Base):
    """A rendered message waiting for its channel's export (print house, SMS gateway, dialer)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS!r}", name="channel"),
        Index("ix_outbox_channel_exported_at", "channel", "exported_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    attempt_key: Mapped[str] = mapped_column(String(200), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"))
    channel: Mapped[str] = mapped_column(String(16))
    contact_point_id: Mapped[int] = mapped_column(RowId, ForeignKey("contact_points.id"))
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    exported_at: Mapped[datetime | None]
    export_batch: Mapped[str | None] = mapped_column(String(64))
    """The batch's name before numbered batches (0009); kept for the rows exported then."""
    export_batch_no: Mapped[int | None] = mapped_column(Integer, index=True)
    """The numbered export batch (export_batches) that took this message."""
    letter: Mapped[dict[str, Any] | None] = mapped_column(Document)
    """A letter's printed facts, frozen when queued (channels/letters.py; 0012): its PDF is drawn from them."""


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
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))
    made_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


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


class NoteRow(Base):
    """A supervisor's or collector's note on an account, with an optional date to be reminded of it."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    remind_on: Mapped[date | None] = mapped_column(index=True)


class ClosedMonthRow(Base):
    """A month closed by its month-end pack: no payment may be dated in it afterwards (domain.bounds)."""

    __tablename__ = "closed_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    """'2026-03'."""
    closed_at: Mapped[datetime]
    closed_by: Mapped[str] = mapped_column(String(64))


REQUEST_STATES = ("in_progress", "done")


class WriteRequestRow(Base):
    """A write request under an idempotency key scoped to (caller, route, account): fingerprint, first answer."""

    __tablename__ = "write_requests"
    __table_args__ = (
        UniqueConstraint("caller", "route", "account_id", "key"),
        CheckConstraint(f"state IN {REQUEST_STATES!r}", name="state"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    caller: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(64))
    """The account the request is about ('' for a request about none or many, e.g. start)."""
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """sha256 of method, route, account and the canonical JSON body."""
    state: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    status_code: Mapped[int | None]
    answer: Mapped[dict[str, Any] | None] = mapped_column(Document)
    """The first answer's JSON body, returned verbatim to a replay."""
    audited: Mapped[list[str]] = mapped_column(Document, default=list)
    """The accounts whose audit logs record the request (a replay is recorded on the same)."""


WRITE_DOWN_STATUSES = ("pending", "approved", "declined")


class WriteDownRow(Base):
    """A write-down (dispute upheld, write-off, discharge, close with a balance) asked for by someone below
    the authority it needs, waiting for a supervisor's decision (domain.authority)."""

    __tablename__ = "write_downs"
    __table_args__ = (CheckConstraint(f"status IN {WRITE_DOWN_STATUSES!r}", name="status"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    hold_reference: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int]
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_role: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(200))


class ExportBatchRow(Base):
    """One outbox or placement export: numbered, its rows marked with the number, writable again."""

    __tablename__ = "export_batches"
    __table_args__ = (CheckConstraint(f"kind IN {EXPORT_KINDS!r}", name="kind"),)

    number: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    """'outbox' or 'placements'."""
    scope: Mapped[str] = mapped_column(String(64))
    """The outbox's channel, or the agency."""
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    file: Mapped[str | None] = mapped_column(Text)
    """The file last written; None until the first is complete (or for batches made before 0009)."""
    written_at: Mapped[datetime | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    """The digest of the first file written: a re-written batch is compared with it."""
