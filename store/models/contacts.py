"""Contact attempts (sent, blocked, inbound) and the outbox of letters and messages to send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, Document, RowId

CHANNELS = ("letter", "email", "sms", "call")
ATTEMPT_STATUSES = ("sending", "sent", "blocked", "unconfirmed", "received")
DIRECTIONS = ("outbound", "inbound")


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
