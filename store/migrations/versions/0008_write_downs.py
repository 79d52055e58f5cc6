"""Write-downs (dispute upheld, write-off, estate closing, discharge, adjustment) awaiting a supervisor's approval.

Revision ID: 0008_write_downs
Revises: 0007_requests

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008_write_downs"
down_revision: str | None = "0007_requests"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "write_downs",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("hold_reference", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_role", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_write_downs"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_write_downs_account_id_accounts"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'declined')", name="ck_write_downs_status"),
    )
    op.create_index("ix_write_downs_account_id", "write_downs", ["account_id"])
    op.create_index("ix_write_downs_status", "write_downs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_write_downs_status", table_name="write_downs")
    op.drop_index("ix_write_downs_account_id", table_name="write_downs")
    op.drop_table("write_downs")
