"""The validation notice's itemization (Model Form B-1): the itemization date and its amounts.

Revision ID: 0012_itemization
Revises: 0011_inbound_contacts

"""

from __future__ import annotations

revision: str = "0012_itemization"
down_revision: str | None = "0011_inbound_contacts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by its part of issue 14


def downgrade() -> None:
    pass
