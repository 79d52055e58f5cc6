"""Outbox and placement exports as numbered batches: rows never lost, files never overwritten.

One transaction makes the batch and marks its rows; then the file is written (to a temporary name,
linked into place only if no file has the name); then the store records the file. A write that fails
leaves the batch in the store, to be written with `--batch N`; any batch can be written again. A batch
goes to one CSV file, or to an `Output` of its own (letters: a new folder of PDFs, ops/letter_files.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ops.csv_files import refuse_existing, write_new_csv
from ops.errors import OpsError
from ops.reports import store_sessions
from store import exports
from store.views import ExportBatchView


@dataclass(frozen=True)
class ExportKind:
    kind: str
    """'outbox' or 'placements', as the store records it."""
    command: str
    """The CLI command that writes it, for the hints in messages."""
    columns: Sequence[str]
    mark: Callable[[AsyncSession, str, datetime, int], Awaitable[Sequence[Any]]]
    """(session, scope, now, batch number) -> the rows not yet exported, now marked with the batch."""
    rows_of: Callable[[AsyncSession, int], Awaitable[Sequence[Any]]]
    """(session, batch number) -> the batch's rows in the order first written."""
    line: Callable[[Any], Sequence[object]]
    noun: Callable[[str, int], str]
    """(scope, count) -> '356 call messages', '1 placement for acme'."""


@dataclass(frozen=True)
class Written:
    content: bytes
    """What was written, as the bytes whose SHA-256 the store keeps (a re-export compares them)."""
    summary: str = ""
    """What the files are, for the human output ('3 PDFs, one per letter; ...'); empty for a CSV file."""


@dataclass(frozen=True)
class Output:
    """Where a batch goes other than one CSV file: refused before anything is marked, then written."""

    refuse: Callable[[Path], None]
    write: Callable[[Path, int, Sequence[Any]], Written]
    """(path, batch number, rows) -> what was written; OpsError when it cannot be."""
    hint: str
    """The option that names a new place, for the hint after a failed write ('--out NEW_FOLDER')."""


@dataclass(frozen=True)
class Export:
    batch: int | None
    """None when there was nothing new to export (no batch, no file)."""
    description: str
    path: Path | None
    same_as_first: bool = True
    """False when a batch written again differs from its first file (account details changed since)."""
    summary: str = ""
    """What an Output wrote, when it says ('3 PDFs, one per letter; ...')."""


async def export_new(
    database_url: str, spec: ExportKind, scope: str, path: Path, *, now: datetime, by: str, output: Output | None = None
) -> Export:
    """A new batch of every row not yet exported for `scope`, written to `path` (a new file, or `output`)."""
    (output.refuse if output else refuse_existing)(path)
    async with store_sessions(database_url) as sessions:
        async with sessions() as session, session.begin():
            number = await exports.open_batch(session, kind=spec.kind, scope=scope, created_by=by, now=now)
            rows = await spec.mark(session, scope, now, number)
            await exports.set_count(session, number, len(rows))
        description = spec.noun(scope, len(rows))
        if not rows:
            return Export(None, description, None)
        try:
            same, written = await _write(sessions, number, spec, rows, path, now, output)
        except OpsError as err:
            hint = f"{spec.command} --batch {number} {output.hint if output else '--file NEW.csv'}"
            raise OpsError(f"{err}; batch {number} ({description}) is kept: write it with '{hint}'") from None
        return Export(number, description, path, same, written.summary)


async def write_batch(
    database_url: str,
    spec: ExportKind,
    number: int,
    path: Path,
    *,
    now: datetime,
    scope: str | None = None,
    output: Output | None = None,
) -> Export:
    """Batch `number` written again to `path` (a new file, or `output`): the same rows in the same order."""
    (output.refuse if output else refuse_existing)(path)
    async with store_sessions(database_url) as sessions:
        async with sessions() as session:
            batch = await exports.get_batch(session, number)
            if batch.kind != spec.kind or scope not in (None, batch.scope):
                raise OpsError(f"batch {number} is {kind_text(batch)}: nothing written")
            rows = await spec.rows_of(session, number)
        same, written = await _write(sessions, number, spec, rows, path, now, output)
        return Export(number, spec.noun(batch.scope, len(rows)), path, same, written.summary)


async def list_batches(database_url: str) -> list[ExportBatchView]:
    async with store_sessions(database_url) as sessions, sessions() as session:
        return await exports.list_batches(session)


def kind_text(batch: ExportBatchView) -> str:
    return f"an outbox export of {batch.scope}" if batch.kind == "outbox" else f"a placement file for {batch.scope}"


async def _write(
    sessions: async_sessionmaker[AsyncSession], number: int, spec: ExportKind, rows: Sequence[Any], path: Path,
    now: datetime, output: Output | None,
) -> tuple[bool, Written]:  # fmt: skip
    if output is None:
        written = Written(write_new_csv(path, spec.columns, [spec.line(row) for row in rows]))
    else:
        written = output.write(path, number, rows)
    async with sessions() as session, session.begin():
        digest = hashlib.sha256(written.content).hexdigest()
        same = await exports.record_written(session, number, file=str(path.absolute()), sha256=digest, now=now)
        return same, written
