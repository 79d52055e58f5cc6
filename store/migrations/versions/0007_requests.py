"""Write requests: idempotency keys per caller, route and account, and write-downs awaiting approval.

Revision ID: 0007_requests
Revises: 0006_notes

"""

from __future__ import annotations

revision: str = "0007_requests"
down_revision: str | None = "0006_notes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass  # the tables come with the requests work (issue 13)


def downgrade() -> None:
    pass
