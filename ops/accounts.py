"""Loading the accounts file into the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from domain.intake import parse_accounts_csv
from ops.errors import OpsError
from store import repository
from store.db import ensure_schema, make_engine, make_session_factory
from store.views import UpsertResult


async def load_accounts_file(path: Path, database_url: str) -> UpsertResult:
    """Validate the whole file, then upsert it in one transaction: all rows or none."""
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise OpsError(f"cannot read {path}: {err}") from None
    records = parse_accounts_csv(content)
    await ensure_schema(database_url)
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            return await repository.upsert_accounts(session, records, now=datetime.now(UTC))
    finally:
        await engine.dispose()
