"""The validation notice's itemization (Model Form B-1): each queued letter keeps the facts it prints.

`accounts.itemization_date`: the accounts file's optional column (1006.34(b)(3)); without it the due
date is the itemization date. `outbox.letter` holds what a letter's PDF is drawn from (the collector and
consumer, the creditor, the itemization on the day it was sent, the validation period's end: 12 CFR
1006.34(c)), frozen when the letter is queued, so an export written again is the same PDF. Rows queued
before it have none and print as plain letters from their text.

Revision ID: 0012_itemization
Revises: 0011_inbound_contacts

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_itemization"
down_revision: str | None = "0011_inbound_contacts"
branch_labels: str | None = None
depends_on: str | None = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("outbox", sa.Column("letter", DOCUMENT, nullable=True))
    op.add_column("accounts", sa.Column("itemization_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("itemization_date")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("letter")
