"""Write-downs (dispute upheld, write-off, estate closing, discharge, adjustment) awaiting a supervisor's approval.

Revision ID: 0008_write_downs
Revises: 0007_requests

"""

from __future__ import annotations

revision: str = "0008_write_downs"
down_revision: str | None = "0007_requests"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass  # the table comes with the authority-over-money work (issue 13)


def downgrade() -> None:
    pass
