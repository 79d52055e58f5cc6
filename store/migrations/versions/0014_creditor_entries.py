"""Creditor changes: new charges and the creditor's credits, once per the creditor's reference on an account.

Revision ID: 0014_creditor_entries
Revises: 0013_payment_posting

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014_creditor_entries"
down_revision: str | None = "0013_payment_posting"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "creditor_entries",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("description", sa.String(200), nullable=True),
        sa.Column("balance_after_cents", sa.BigInteger(), nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_creditor_entries"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.account_id"], name="fk_creditor_entries_account_id_accounts"
        ),
        sa.UniqueConstraint("account_id", "reference", name="uq_creditor_entries_account_id_reference"),
        sa.CheckConstraint("amount_cents <> 0", name="ck_creditor_entries_amount_not_zero"),
    )
    op.create_index("ix_creditor_entries_account_id", "creditor_entries", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_creditor_entries_account_id", table_name="creditor_entries")
    op.drop_table("creditor_entries")
