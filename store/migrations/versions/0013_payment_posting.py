"""Payment files: each posting run, and the suspense queue of items no account could take.

Revision ID: 0013_payment_posting
Revises: 0012_itemization

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013_payment_posting"
down_revision: str | None = "0012_itemization"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payment_postings",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("items", sa.BigInteger(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("posted_by", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted", sa.BigInteger(), nullable=False),
        sa.Column("posted_cents", sa.BigInteger(), nullable=False),
        sa.Column("duplicates", sa.BigInteger(), nullable=False),
        sa.Column("suspense", sa.BigInteger(), nullable=False),
        sa.Column("suspense_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_postings"),
    )
    op.create_index("ix_payment_postings_sha256", "payment_postings", ["sha256"])
    op.create_table(
        "suspense_items",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("item_reference", sa.String(128), nullable=False),
        sa.Column("posting_id", ROW_ID, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("account_number", sa.String(64), nullable=False),
        sa.Column("remittance_reference", sa.String(128), nullable=False),
        sa.Column("payer", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("resolved_account_id", sa.String(64), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_suspense_items"),
        sa.UniqueConstraint("item_reference", name="uq_suspense_items_item_reference"),
        sa.ForeignKeyConstraint(
            ["posting_id"], ["payment_postings.id"], name="fk_suspense_items_posting_id_payment_postings"
        ),
        sa.CheckConstraint("status IN ('open', 'applied', 'refund')", name="ck_suspense_items_status"),
    )
    op.create_index("ix_suspense_items_posting_id", "suspense_items", ["posting_id"])
    op.create_index("ix_suspense_items_status", "suspense_items", ["status"])


def downgrade() -> None:
    op.drop_index("ix_suspense_items_status", table_name="suspense_items")
    op.drop_index("ix_suspense_items_posting_id", table_name="suspense_items")
    op.drop_table("suspense_items")
    op.drop_index("ix_payment_postings_sha256", table_name="payment_postings")
    op.drop_table("payment_postings")
