"""Export batches: each outbox or placement export is numbered, its rows marked with the number.

A batch and its rows' marks are made in one transaction, before any file is written; the file that
holds them is recorded afterwards, so a batch whose file never got written is still there to write.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import UnknownExportBatch
from store.models import ExportBatchRow
from store.views import ExportBatchView, view_of


async def open_batch(session: AsyncSession, *, kind: str, scope: str, created_by: str, now: datetime) -> int:
    """A new batch's number; its rows are marked by the caller in the same transaction (`set_count`)."""
    row = ExportBatchRow(kind=kind, scope=scope, created_at=now, created_by=created_by[:64], row_count=0)
    session.add(row)
    await session.flush()
    return row.number


async def set_count(session: AsyncSession, number: int, count: int) -> None:
    """The batch's row count; a batch that took no row is dropped (no empty batches)."""
    row = await _row(session, number)
    if count:
        row.row_count = count
    else:
        await session.delete(row)
    await session.flush()


async def record_written(session: AsyncSession, number: int, *, file: str, sha256: str, now: datetime) -> bool:
    """The file now holding the batch; True if its content is the first file's (always, the first time)."""
    row = await _row(session, number)
    row.file, row.written_at = file, now
    if row.sha256 is None:
        row.sha256 = sha256
    await session.flush()
    return row.sha256 == sha256


async def get_batch(session: AsyncSession, number: int) -> ExportBatchView:
    return view_of(ExportBatchView, await _row(session, number))


async def list_batches(session: AsyncSession) -> list[ExportBatchView]:
    rows = await session.scalars(select(ExportBatchRow).order_by(ExportBatchRow.number))
    return [view_of(ExportBatchView, row) for row in rows]


async def _row(session: AsyncSession, number: int) -> ExportBatchRow:
    row = await session.get(ExportBatchRow, number)
    if row is None:
        raise UnknownExportBatch(f"unknown export batch {number}")
    return row
