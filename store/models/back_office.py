"""The back office's rows: notes, closed months, write requests, write-downs awaiting approval, export batches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Document, RowId

EXPORT_KINDS = ("outbox", "placements")


class NoteRow(Base):
    """A supervisor's or collector's note on an account, with an optional date to be reminded of it."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id"), index=True)
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    remind_on: Mapped[date | None] = mapped_column(index=True)
    reminder_done_at: Mapped[datetime | None]
    reminder_done_by: Mapped[str | None] = mapped_column(String(64))


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
