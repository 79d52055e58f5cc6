"""Repayment plans and their installments, promises to pay, and the settlement write-down.

Revision ID: 0003_plans
Revises: 0002_contacts

"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003_plans"
down_revision: str | None = "0002_contacts"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PLAN_KINDS = "('pay_in_full', 'installments', 'settlement')"
PLAN_STATUSES = "('active', 'completed', 'broken', 'cancelled')"
INSTALLMENT_STATUSES = "('scheduled', 'paid', 'missed')"
PROMISE_STATUSES = "('open', 'kept', 'broken')"


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _cents(name: str, *, default: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default=sa.text("0") if default else None)


def upgrade() -> None:
    # ADD COLUMN with a server default works in place on SQLite and PostgreSQL.
    op.add_column("accounts", _cents("forgiven_cents", default=True))

    op.create_table(
        "plans",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("plan_no", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _cents("total_cents"),
        _cents("discount_cents", default=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=True),
        sa.Column("approver_role", sa.String(32), nullable=True),
        _timestamp("created_at"),
        _timestamp("ended_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_plans_account_id_accounts"),
        sa.UniqueConstraint("account_id", "plan_no", name="uq_plans_account_id_plan_no"),
        sa.UniqueConstraint("idempotency_key", name="uq_plans_idempotency_key"),
        sa.CheckConstraint(f"kind IN {PLAN_KINDS}", name="ck_plans_kind"),
        sa.CheckConstraint(f"status IN {PLAN_STATUSES}", name="ck_plans_status"),
        sa.CheckConstraint("total_cents >= 0 AND discount_cents >= 0", name="ck_plans_amounts_not_negative"),
    )

    op.create_table(
        "installments",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("plan_id", ROW_ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        _cents("amount_cents"),
        _cents("paid_cents", default=True),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_installments"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name="fk_installments_plan_id_plans"),
        sa.UniqueConstraint("plan_id", "number", name="uq_installments_plan_id_number"),
        sa.CheckConstraint(f"status IN {INSTALLMENT_STATUSES}", name="ck_installments_status"),
        sa.CheckConstraint("amount_cents >= 0 AND paid_cents >= 0", name="ck_installments_amounts_not_negative"),
    )

    op.create_table(
        "promises",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("promise_no", sa.Integer(), nullable=False),
        _cents("amount_cents"),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("made_at"),
        _timestamp("resolved_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_promises"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_promises_account_id_accounts"),
        sa.UniqueConstraint("account_id", "promise_no", name="uq_promises_account_id_promise_no"),
        sa.CheckConstraint(f"status IN {PROMISE_STATUSES}", name="ck_promises_status"),
        sa.CheckConstraint("amount_cents > 0", name="ck_promises_amount_positive"),
    )


def downgrade() -> None:
    for table in ("promises", "installments", "plans"):
        op.drop_table(table)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("forgiven_cents")
