"""Closed months: the month-end pack closes a month that has ended; no payment may be dated in it afterwards.

Revision ID: 0010_closed_months
Revises: 0009_export_batches

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010_closed_months"
down_revision: str | None = "0009_export_batches"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "closed_months",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("month", name="pk_closed_months"),
    )


def downgrade() -> None:
    op.drop_table("closed_months")
