"""Exporting the outbox: one CSV per channel for the print house, the SMS provider or the dialer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from domain.contact import Channel
from ops.csv_files import write_csv
from store import repository
from store.db import ensure_schema, make_engine, make_session_factory

COLUMNS = ("attempt_key", "account_id", "channel", "recipient", "subject", "body", "created_at")


async def export_outbox_file(database_url: str, channel: str, path: Path, now: datetime) -> int:
    """Write the channel's not-yet-exported messages to `path` (CSV) and mark them exported.

    The file is complete on disk before the rows are marked, so a failure can repeat a message
    in a later export but never lose one: consumers drop repeats by `attempt_key`.
    """
    try:
        chosen = Channel(channel)
    except ValueError:
        raise ValueError(f"unknown channel {channel!r}: one of {', '.join(c.value for c in Channel)}") from None
    await ensure_schema(database_url)
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            batch = f"{chosen.value}-{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"
            rows = await repository.export_outbox(session, channel=chosen, now=now, batch=batch)
            write_csv(path, COLUMNS, [[getattr(row, name) for name in COLUMNS] for row in rows])
    finally:
        await engine.dispose()
    return len(rows)
