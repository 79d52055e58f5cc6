"""Contact updates: where a contact point came from, its consents with when and from whom, why it is bad,
and its retirement (a retired point stays, for history and the audit log, and counts for nothing).

Revision ID: 0016_contact_updates
Revises: 0015_payment_reversals

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016_contact_updates"
down_revision: str | None = "0015_payment_reversals"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = (
    ("source", sa.String(16)),
    ("consent_sms_at", sa.DateTime(timezone=True)),
    ("consent_sms_from", sa.String(16)),
    ("consent_autodialer_at", sa.DateTime(timezone=True)),
    ("consent_autodialer_from", sa.String(16)),
    ("bad_reason", sa.String(32)),
    ("retired_at", sa.DateTime(timezone=True)),
    ("retired_by", sa.String(64)),
    ("retired_reason", sa.String(32)),
    ("replaced_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("contact_points", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_points") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
