"""Payment reversals, and the workflow's state kept as an account closes (a reversal reopens it from there).

Revision ID: 0015_payment_reversals
Revises: 0014_creditor_entries

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_payment_reversals"
down_revision: str | None = "0014_creditor_entries"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("accounts", sa.Column("closing_state", DOCUMENT, nullable=True))
    op.create_table(
        "payment_reversals",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("payment_id", ROW_ID, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("return_code", sa.String(3), nullable=False),
        sa.Column("clawback_cents", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_cents", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_reversals"),
        sa.UniqueConstraint("reference", name="uq_payment_reversals_reference"),
        sa.UniqueConstraint("payment_id", name="uq_payment_reversals_payment_id"),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name="fk_payment_reversals_payment_id_payments"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.account_id"], name="fk_payment_reversals_account_id_accounts"
        ),
    )
    op.create_index("ix_payment_reversals_account_id", "payment_reversals", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_payment_reversals_account_id", table_name="payment_reversals")
    op.drop_table("payment_reversals")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("closing_state")
