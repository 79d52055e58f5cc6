"""Inbound contacts (a consumer's call, text, email or letter) and what the gate must know of them.

contact_attempts gets inbound rows: `direction` ('outbound' or 'inbound'), status 'received', and
`consent_to_calls` (prior consent given directly to the collector, 1006.14(b)(3)(i)). Accounts get the
staff-recorded fact that the consumer's attorney allows direct contact (1006.6(b)(2)).

Revision ID: 0011_inbound_contacts
Revises: 0010_closed_months

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011_inbound_contacts"
down_revision: str | None = "0010_closed_months"
branch_labels: str | None = None
depends_on: str | None = None

STATUSES = "('sending', 'sent', 'blocked', 'unconfirmed')"
STATUSES_WITH_RECEIVED = "('sending', 'sent', 'blocked', 'unconfirmed', 'received')"
DIRECTIONS = "('outbound', 'inbound')"
OLD_STATUS_CHECK = "ck_contact_attempts_ck_contact_attempts_status"
"""The name 0002 gave it (its explicit name went through the naming convention once more)."""


def upgrade() -> None:
    # batch: SQLite copies the table (its CHECK constraints cannot be altered); PostgreSQL alters in place.
    with op.batch_alter_table("contact_attempts") as batch:
        batch.add_column(sa.Column("direction", sa.String(8), nullable=False, server_default="outbound"))
        batch.add_column(sa.Column("consent_to_calls", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_constraint(op.f(OLD_STATUS_CHECK), type_="check")
        batch.create_check_constraint("status", f"status IN {STATUSES_WITH_RECEIVED}")
        batch.create_check_constraint("direction", f"direction IN {DIRECTIONS}")
    op.add_column("accounts", sa.Column("attorney_allows_contact_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("accounts", sa.Column("attorney_allows_contact_reason", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("attorney_allows_contact_reason")
        batch.drop_column("attorney_allows_contact_at")
    op.execute("DELETE FROM contact_attempts WHERE direction = 'inbound'")
    with op.batch_alter_table("contact_attempts") as batch:
        batch.drop_constraint(op.f("ck_contact_attempts_direction"), type_="check")
        batch.drop_constraint(op.f("ck_contact_attempts_status"), type_="check")
        batch.create_check_constraint(op.f(OLD_STATUS_CHECK), f"status IN {STATUSES}")
        batch.drop_column("consent_to_calls")
        batch.drop_column("direction")
