"""Contact channels: attempts, the outbox, contact point roles and flags, cease and language.

Revision ID: 0002_contacts
Revises: 0001_initial

"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_contacts"
down_revision: str | None = "0001_initial"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
CHANNELS = "('letter', 'email', 'sms', 'call')"
STATUSES = "('sending', 'sent', 'blocked', 'unconfirmed')"


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _flag(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def upgrade() -> None:
    # Plain ADD COLUMN (nullable or with a server default) works in place on SQLite and PostgreSQL.
    op.add_column("accounts", _timestamp("cease_communication_at", nullable=True))
    op.add_column("accounts", sa.Column("language", sa.String(8), nullable=False, server_default="en"))
    op.add_column("contact_points", sa.Column("opted_out_channels", DOCUMENT, nullable=False, server_default="[]"))
    op.add_column("contact_points", sa.Column("role", sa.String(16), nullable=False, server_default="debtor"))
    op.add_column("contact_points", sa.Column("label", sa.String(), nullable=True))
    op.add_column("contact_points", _flag("bad"))
    op.add_column("contact_points", _timestamp("bad_at", nullable=True))

    op.create_table(
        "contact_attempts",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact_point_id", ROW_ID, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        _timestamp("outcome_at", nullable=True),
        sa.Column("template", sa.String(64), nullable=True),
        _flag("validation_notice"),
        _timestamp("at"),
        sa.Column("local_at", sa.String(40), nullable=False),
        sa.Column("detail", DOCUMENT, nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_attempts"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.account_id"], name="fk_contact_attempts_account_id_accounts"
        ),
        sa.ForeignKeyConstraint(
            ["contact_point_id"], ["contact_points.id"], name="fk_contact_attempts_contact_point_id_contact_points"
        ),
        sa.UniqueConstraint("account_id", "attempt_no", name="uq_contact_attempts_account_id_attempt_no"),
        sa.UniqueConstraint("idempotency_key", name="uq_contact_attempts_idempotency_key"),
        sa.CheckConstraint(f"channel IN {CHANNELS}", name="ck_contact_attempts_channel"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_contact_attempts_status"),
    )

    op.create_table(
        "outbox",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("attempt_key", sa.String(200), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact_point_id", ROW_ID, nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("exported_at", nullable=True),
        sa.Column("export_batch", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_outbox_account_id_accounts"),
        sa.ForeignKeyConstraint(
            ["contact_point_id"], ["contact_points.id"], name="fk_outbox_contact_point_id_contact_points"
        ),
        sa.UniqueConstraint("attempt_key", name="uq_outbox_attempt_key"),
        sa.CheckConstraint(f"channel IN {CHANNELS}", name="ck_outbox_channel"),
    )
    op.create_index("ix_outbox_channel_exported_at", "outbox", ["channel", "exported_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_channel_exported_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("contact_attempts")
    with op.batch_alter_table("contact_points") as batch:
        for column in ("bad_at", "bad", "label", "role", "opted_out_channels"):
            batch.drop_column(column)
    with op.batch_alter_table("accounts") as batch:
        for column in ("language", "cease_communication_at"):
            batch.drop_column(column)
