"""Holds (bankruptcy, deceased, dispute, legal), the claims filed under them, and write-offs.

Revision ID: 0005_holds
Revises: 0004_placements

"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_holds"
down_revision: str | None = "0004_placements"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
HOLD_KINDS = "('bankruptcy', 'deceased', 'dispute', 'legal')"
CLAIM_KINDS = "('proof_of_claim', 'estate_claim')"


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _cents(name: str, *, default: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default=sa.text("0") if default else None)


def upgrade() -> None:
    # ADD COLUMN with a server default works in place on SQLite and PostgreSQL.
    op.add_column("accounts", _cents("written_off_cents", default=True))

    op.create_table(
        "holds",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", DOCUMENT, nullable=False),
        _timestamp("placed_at"),
        _timestamp("released_at", nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_holds_account_id_accounts"),
        sa.UniqueConstraint("account_id", "reference", name="uq_holds_account_id_reference"),
        sa.CheckConstraint(f"kind IN {HOLD_KINDS}", name="ck_holds_kind"),
    )
    op.create_index("ix_holds_account_id", "holds", ["account_id"])

    op.create_table(
        "claims",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("hold_reference", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        _cents("amount_cents"),
        sa.Column("deadline", sa.Date(), nullable=False),
        _timestamp("filed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_claims"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_claims_account_id_accounts"),
        sa.ForeignKeyConstraint(
            ["account_id", "hold_reference"],
            ["holds.account_id", "holds.reference"],
            name="fk_claims_account_id_holds",
        ),
        sa.UniqueConstraint("account_id", "hold_reference", "kind", name="uq_claims_account_id_hold_reference_kind"),
        sa.CheckConstraint(f"kind IN {CLAIM_KINDS}", name="ck_claims_kind"),
        sa.CheckConstraint("amount_cents > 0", name="ck_claims_amount_positive"),
    )


def downgrade() -> None:
    op.drop_table("claims")
    op.drop_index("ix_holds_account_id", table_name="holds")
    op.drop_table("holds")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("written_off_cents")
