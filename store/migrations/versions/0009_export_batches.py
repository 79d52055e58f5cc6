"""Export batches: each outbox or placement export is a numbered batch that can be written again.

Exports made before this revision become batches too (one per outbox batch name, one per agency and
export time), with no file: `outbox export --batch N` / `placements export --batch N` writes them again.

Revision ID: 0009_export_batches
Revises: 0008_write_downs

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009_export_batches"
down_revision: str | None = "0008_write_downs"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BEFORE = "before export batches"


def upgrade() -> None:
    batches = op.create_table(
        "export_batches",
        sa.Column("number", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("number", name="pk_export_batches"),
        sa.CheckConstraint("kind IN ('outbox', 'placements')", name="ck_export_batches_kind"),
    )
    for table in ("outbox", "placements"):
        op.add_column(table, sa.Column("export_batch_no", sa.Integer(), nullable=True))
        op.create_index(f"ix_{table}_export_batch_no", table, ["export_batch_no"])
    _number_past_exports(batches)


def _number_past_exports(batches: sa.Table) -> None:
    """The rows exported before numbered batches, grouped as they went out, each group a batch."""
    bind = op.get_bind()
    at = sa.DateTime(timezone=True)
    outbox = sa.table(
        "outbox", sa.column("channel"), sa.column("exported_at", at), sa.column("export_batch"),
        sa.column("export_batch_no"),
    )  # fmt: skip
    placements = sa.table(
        "placements", sa.column("agency_id"), sa.column("exported_at", at), sa.column("export_batch_no")
    )
    groups = [
        ("outbox", row.channel, row.first, row.count, outbox.c.export_batch == row.export_batch)
        for row in bind.execute(
            sa.select(outbox.c.channel, outbox.c.export_batch, sa.func.min(outbox.c.exported_at).label("first"),
                      sa.func.count().label("count"))
            .where(outbox.c.exported_at.is_not(None))
            .group_by(outbox.c.channel, outbox.c.export_batch)
            .order_by(sa.func.min(outbox.c.exported_at))
        )
    ] + [
        ("placements", row.agency_id, row.exported_at, row.count,
         sa.and_(placements.c.agency_id == row.agency_id, placements.c.exported_at == row.exported_at))
        for row in bind.execute(
            sa.select(placements.c.agency_id, placements.c.exported_at, sa.func.count().label("count"))
            .where(placements.c.exported_at.is_not(None))
            .group_by(placements.c.agency_id, placements.c.exported_at)
            .order_by(placements.c.exported_at)
        )
    ]  # fmt: skip
    for kind, scope, at, count, rows in groups:
        number = bind.execute(
            batches.insert()
            .values(kind=kind, scope=scope, created_at=at, created_by=BEFORE, row_count=count)
            .returning(batches.c.number)
        ).scalar_one()
        table = outbox if kind == "outbox" else placements
        bind.execute(table.update().where(rows, table.c.exported_at.is_not(None)).values(export_batch_no=number))


def downgrade() -> None:
    for table in ("placements", "outbox"):
        op.drop_index(f"ix_{table}_export_batch_no", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("export_batch_no")
    op.drop_table("export_batches")
