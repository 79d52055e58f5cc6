"""A note's reminder marked done (who, when): it leaves the work queue, the note stays.

Revision ID: 0017_reminders_done
Revises: 0016_contact_updates

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017_reminders_done"
down_revision: str | None = "0016_contact_updates"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("notes", sa.Column("reminder_done_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("notes", sa.Column("reminder_done_by", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("reminder_done_by")
        batch.drop_column("reminder_done_at")
