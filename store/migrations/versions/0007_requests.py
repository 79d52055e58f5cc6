"""Write requests: idempotency keys per caller, route and account, with each request's first answer.

Revision ID: 0007_requests
Revises: 0006_notes

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_requests"
down_revision: str | None = "0006_notes"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
REQUEST_STATES = "('in_progress', 'done')"


def upgrade() -> None:
    op.create_table(
        "write_requests",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("caller", sa.String(64), nullable=False),
        sa.Column("route", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.BigInteger(), nullable=True),
        sa.Column("answer", DOCUMENT, nullable=True),
        sa.Column("audited", DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_write_requests"),
        sa.UniqueConstraint(
            "caller", "route", "account_id", "key", name="uq_write_requests_caller_route_account_id_key"
        ),
        sa.CheckConstraint(f"state IN {REQUEST_STATES}", name="ck_write_requests_state"),
    )


def downgrade() -> None:
    op.drop_table("write_requests")
