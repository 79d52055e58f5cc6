"""Inbound contacts (a consumer's call, text, email or letter) and what the gate must know of them.

Revision ID: 0011_inbound_contacts
Revises: 0010_closed_months

"""

from __future__ import annotations

revision: str = "0011_inbound_contacts"
down_revision: str | None = "0010_closed_months"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    pass  # slot reserved; filled by its part of issue 14


def downgrade() -> None:
    pass
