"""Exporting the outbox: one CSV per channel for the print house, the SMS provider or the dialer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from domain.contact import Channel
from ops.exports import Export, ExportKind, export_new, write_batch
from store import repository
from store.outbox import outbox_batch
from store.views import OutboxView

COLUMNS = ("attempt_key", "account_id", "channel", "recipient", "subject", "body", "created_at")
NOUNS = {"letter": "letter", "email": "email", "sms": "text message", "call": "call message"}


def _channel(channel: str) -> Channel:
    try:
        return Channel(channel)
    except ValueError:
        raise ValueError(f"unknown channel {channel!r}: one of {', '.join(c.value for c in Channel)}") from None


async def _mark(session: AsyncSession, channel: str, now: datetime, batch_no: int) -> Sequence[OutboxView]:
    return await repository.export_outbox(session, channel=Channel(channel), now=now, batch_no=batch_no)


def _noun(channel: str, count: int) -> str:
    return f"{count} {NOUNS[channel]}{'' if count == 1 else 's'}"


OUTBOX = ExportKind(
    kind="outbox", command="collections outbox export", columns=COLUMNS, mark=_mark, rows_of=outbox_batch,
    line=lambda row: [getattr(row, name) for name in COLUMNS], noun=_noun,
)  # fmt: skip


async def export_outbox_file(database_url: str, channel: str, path: Path, now: datetime, *, by: str) -> Export:
    """The channel's messages not yet exported, as a new numbered batch written to `path` (a new file).

    The rows are marked with the batch before the file is written: a failed write keeps the batch, to be
    written with `--batch N`; consumers drop repeats by `attempt_key`.
    """
    return await export_new(database_url, OUTBOX, _channel(channel).value, path, now=now, by=by)


async def write_outbox_batch(
    database_url: str, number: int, path: Path, now: datetime, channel: str | None = None
) -> Export:
    scope = None if channel is None else _channel(channel).value
    return await write_batch(database_url, OUTBOX, number, path, now=now, scope=scope)


async def export_letters(database_url: str, folder: Path, now: datetime, *, by: str) -> Export:
    """The letters not yet exported, as a new numbered batch of print-ready PDFs in `folder` (new or empty):
    one PDF per letter, the batch in one PDF, the print vendor's manifest (ops/letter_files.py)."""
    from ops.letter_files import letters_output

    return await export_new(database_url, OUTBOX, Channel.LETTER.value, folder, now=now, by=by, output=letters_output())


async def write_letter_batch(database_url: str, number: int, folder: Path, now: datetime) -> Export:
    """Letter batch `number` written again as PDFs to `folder` (new or empty): the same bytes as the first time."""
    from ops.letter_files import letters_output

    return await write_batch(
        database_url, OUTBOX, number, folder, now=now, scope=Channel.LETTER.value, output=letters_output()
    )
