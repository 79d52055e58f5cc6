"""Notes on accounts, with an optional reminder date that brings the account to the work queue.

Revision ID: 0006_notes
Revises: 0005_holds

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006_notes"
down_revision: str | None = "0005_holds"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_notes_account_id_accounts"),
    )
    op.create_index("ix_notes_account_id", "notes", ["account_id"])
    op.create_index("ix_notes_remind_on", "notes", ["remind_on"])


def downgrade() -> None:
    op.drop_index("ix_notes_remind_on", table_name="notes")
    op.drop_index("ix_notes_account_id", table_name="notes")
    op.drop_table("notes")
