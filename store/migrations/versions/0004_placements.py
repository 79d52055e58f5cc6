"""Placements with collection agencies, and the commission each payment earned them.

Revision ID: 0004_placements
Revises: 0003_plans

"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004_placements"
down_revision: str | None = "0003_plans"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PLACEMENT_STATUSES = "('placed', 'recalled', 'closed')"


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _cents(name: str, *, default: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger(), nullable=False, server_default=sa.text("0") if default else None)


def upgrade() -> None:
    # ADD COLUMN (nullable or with a server default) works in place on SQLite and PostgreSQL.
    op.add_column("payments", sa.Column("placement_no", sa.Integer(), nullable=True))
    op.add_column("payments", _cents("commission_cents", default=True))

    op.create_table(
        "placements",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("placement_no", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        _timestamp("placed_at"),
        _cents("balance_placed_cents"),
        sa.Column("commission_bps", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _timestamp("recalled_at", nullable=True),
        sa.Column("recall_reason", sa.String(200), nullable=True),
        _timestamp("exported_at", nullable=True),
        _cents("collected_cents", default=True),
        _cents("commission_cents", default=True),
        sa.PrimaryKeyConstraint("id", name="pk_placements"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.account_id"], name="fk_placements_account_id_accounts"),
        sa.UniqueConstraint("account_id", "placement_no", name="uq_placements_account_id_placement_no"),
        sa.CheckConstraint(f"status IN {PLACEMENT_STATUSES}", name="ck_placements_status"),
        sa.CheckConstraint("commission_bps >= 0 AND commission_bps <= 10000", name="ck_placements_commission_bps"),
        sa.CheckConstraint(
            "balance_placed_cents >= 0 AND collected_cents >= 0 AND commission_cents >= 0",
            name="ck_placements_amounts_not_negative",
        ),
    )
    op.create_index("ix_placements_account_id", "placements", ["account_id"])
    op.create_index("ix_placements_agency_id", "placements", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_placements_agency_id", table_name="placements")
    op.drop_index("ix_placements_account_id", table_name="placements")
    op.drop_table("placements")
    with op.batch_alter_table("payments") as batch:
        for column in ("commission_cents", "placement_no"):
            batch.drop_column(column)
