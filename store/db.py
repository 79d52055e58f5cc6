"""Engines, sessions and migrations: SQLite (aiosqlite) for development, PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store.errors import SchemaNotCurrent

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///.data/collections.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5_000
"""How long a connection waits for SQLite's write lock before "database is locked": well inside the store
activities' 30 s start-to-close, so a longer lock fails the attempt with that error (logged, retried)
instead of ending it silently as a timeout; the CLI gets the same error as one line."""
_SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "foreign_keys=ON",
    f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "synchronous=NORMAL",
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def store_location(url: str) -> str:
    """Where the store is, for messages: the SQLite file, or host:port/database (never the password)."""
    parsed = make_url(url)
    if is_sqlite(url):
        return f"SQLite {parsed.database}"
    return f"PostgreSQL {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file (`.data/` for the default URL)."""
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> AsyncEngine:
    if not is_sqlite(url):
        # asyncpg prepares every statement, and after five runs PostgreSQL may switch to a generic
        # plan; for `account_id IN (...)` lookups in chunks that plan scans the list for every row.
        settings = {"plan_cache_mode": "force_custom_plan"}
        return create_async_engine(url, pool_pre_ping=True, connect_args={"server_settings": settings})
    ensure_sqlite_directory(url)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _configure_sqlite)
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Pragmas, and SQLAlchemy (not the driver) issues BEGIN so that SAVEPOINTs nest."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    """Take the write lock up front: a later upgrade from a read lock fails instead of waiting."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """Alembic's configuration built from the package, whatever the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["sqlalchemy.url"] = url
    return config


async def migrate(url: str) -> None:
    """Upgrade to head; alembic is synchronous and runs its own event loop, so in a thread."""
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")


async def schema_is_current(url: str) -> bool:
    return await _current_revisions(url) == _head_revisions()


async def ensure_schema(url: str) -> None:
    """Migrate an empty database; refuse one at another revision (upgrading is the operator's call)."""
    current, head = await _current_revisions(url), _head_revisions()
    if current == head:
        return
    if current:
        raise SchemaNotCurrent(
            f"database is at revision {', '.join(sorted(current))}, this code needs "
            f"{', '.join(sorted(head))}: run `alembic upgrade head` with DATABASE_URL set"
        )
    await migrate(url)


def _head_revisions() -> set[str]:
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


async def _current_revisions(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            heads = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    finally:
        await engine.dispose()
    return set(heads)
