"""Export batches: each outbox or placement export is a numbered batch that can be written again.

Revision ID: 0009_export_batches
Revises: 0008_write_downs

"""

from __future__ import annotations

revision: str = "0009_export_batches"
down_revision: str | None = "0008_write_downs"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass  # the table comes with the exports work (issue 13)


def downgrade() -> None:
    pass
