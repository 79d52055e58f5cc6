"""Claims on accounts: "next account" takes the queue's first account for a collector for a while; and
promises indexed by due date (the queue's promises due today).

Revision ID: 0018_account_claims
Revises: 0017_reminders_done

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0018_account_claims"
down_revision: str | None = "0017_reminders_done"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "account_claims",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("collector", sa.String(64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_claims"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_account_claims_account_id_accounts"),
    )
    op.create_index("ix_account_claims_collector", "account_claims", ["collector"])
    op.create_index("ix_promises_due_date", "promises", ["due_date"])


def downgrade() -> None:
    op.drop_index("ix_promises_due_date", table_name="promises")
    op.drop_index("ix_account_claims_collector", table_name="account_claims")
    op.drop_table("account_claims")
