"""Accounts, contact points, payments and the append-only audit log.

Revision ID: 0001_initial
Revises:

"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
APPEND_ONLY = "audit_log is append-only"

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END
    """
    for verb in ("UPDATE", "DELETE")
]
POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$
    """,
    """
    CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """,
]


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _flag(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("creditor", sa.String(), nullable=False),
        sa.Column("debtor_name", sa.String(), nullable=False),
        sa.Column("street", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("postal_code", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("balance_cents", sa.BigInteger(), nullable=False),
        sa.Column("original_balance_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="USD"),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("segment", sa.String(64), nullable=False, server_default="default"),
        _flag("medical"),
        sa.Column("stage", sa.String(32), nullable=True),
        _timestamp("stage_changed_at", nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("account_id", name="pk_accounts"),
    )
    op.create_index("ix_accounts_stage", "accounts", ["stage"])
    op.create_index("ix_accounts_due_date", "accounts", ["due_date"])

    op.create_table(
        "contact_points",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        _flag("consent_autodialer"),
        _flag("consent_sms"),
        _flag("opted_out"),
        _timestamp("opted_out_at", nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_contact_points"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_contact_points_account_id_accounts"),
        sa.UniqueConstraint("account_id", "kind", "value", name="uq_contact_points_account_id_kind_value"),
        sa.CheckConstraint("kind IN ('phone', 'email', 'address')", name="ck_contact_points_kind"),
    )

    op.create_table(
        "payments",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False, server_default="debtor"),
        sa.Column("balance_after_cents", sa.BigInteger(), nullable=False),
        _timestamp("recorded_at"),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_payments_account_id_accounts"),
        sa.UniqueConstraint("reference", name="uq_payments_reference"),
        sa.CheckConstraint("amount_cents > 0", name="ck_payments_amount_positive"),
    )
    op.create_index("ix_payments_account_id", "payments", ["account_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        _timestamp("at"),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", DOCUMENT, nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_audit_log_account_id_accounts"),
        sa.UniqueConstraint("idempotency_key", name="uq_audit_log_idempotency_key"),
    )
    op.create_index("ix_audit_log_account_id", "audit_log", ["account_id"])

    triggers = POSTGRESQL_TRIGGERS if op.get_context().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_no_update_or_delete ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute("DROP TRIGGER audit_log_no_update")
    for table in ("audit_log", "payments", "contact_points", "accounts"):
        op.drop_table(table)
