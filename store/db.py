"""Engines, sessions and migrations: SQLite (aiosqlite) for development, PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction

from service.files import FILE_MODE, open_private, private_dir
from store.errors import SchemaNotCurrent

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a worker's write waits for SQLite's write lock (SQLite's busy handler sleeps and retries with
a growing back-off meanwhile) before "database is locked". Reads never wait: in WAL they take no lock,
and write transactions are short with no network or file I/O inside, so a wait this long means a fault.
A third of the store activities' 30 s start-to-close: a longer lock fails the attempt visibly (logged,
retried) instead of ending it silently as a timeout."""
INTERACTIVE_BUSY_TIMEOUT_MS = 60_000
"""How long a person's write (CLI, web) waits out a busy store before one line says it is unavailable."""
WRITE = "collections_store_write"
"""Connection option marking a write transaction: on SQLite it begins with `BEGIN IMMEDIATE`."""
_SQLITE_PRAGMAS = ("foreign_keys=ON", "synchronous=NORMAL")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def store_location(url: str) -> str:
    """Where the store is, for messages: the SQLite file, or host:port/database (never the password)."""
    parsed = make_url(url)
    if is_sqlite(url):
        return f"SQLite {parsed.database}"
    return f"PostgreSQL {parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file (`.data/` for the default URL; 0700 when new) and the file
    itself, empty and 0600 when new: SQLite gives its -wal and -shm the database file's mode."""
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:" and not database.startswith("file:"):
        private_dir(Path(database).parent)
        with contextlib.suppress(OSError):  # exists already, or cannot be made: SQLite says so when it opens it
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def make_engine(url: str, *, busy_timeout_ms: int = INTERACTIVE_BUSY_TIMEOUT_MS) -> AsyncEngine:
    """An engine on the store; `busy_timeout_ms` is how long a SQLite write waits for the lock."""
    if not is_sqlite(url):
        # asyncpg prepares every statement, and after five runs PostgreSQL may switch to a generic
        # plan; for `account_id IN (...)` lookups in chunks that plan scans the list for every row.
        settings = {"plan_cache_mode": "force_custom_plan"}
        return create_async_engine(url, pool_pre_ping=True, connect_args={"server_settings": settings})
    ensure_sqlite_directory(url)
    engine = create_async_engine(url)
    _BUSY_TIMEOUT_S[engine.sync_engine] = busy_timeout_ms / 1000
    event.listen(engine.sync_engine, "connect", functools.partial(_configure_sqlite, busy_timeout_ms))
    event.listen(engine.sync_engine, "begin", _begin)
    return engine


def _configure_sqlite(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    """Pragmas, and SQLAlchemy (not the driver) issues BEGIN so that SAVEPOINTs nest.

    The busy timeout comes first, and WAL is switched on only when it is not on yet: setting the
    journal mode needs the lock, so a connection opened while another process writes would fail.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA journal_mode")
    if cursor.fetchone()[0].lower() != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _begin(connection: Connection) -> None:
    """A read begins deferred: in WAL it takes no lock, so it never waits for or blocks a writer.

    A write takes the write lock up front (waiting out a busy store): a deferred transaction that
    read first and then writes fails at once, without waiting, when another writer went before it.
    """
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class StoreSession(Session):
    """The store's session: `session.begin()` is a write transaction, autobegun ones are reads.

    Every write in the engine goes through `async with sessions() as session, session.begin():`;
    reads just use the session. The mark is given to the connection before it begins (see `_begin`).
    """

    def begin(self, nested: bool = False) -> SessionTransaction:
        if not nested and self._transaction is None:
            self.execution_options = self.execution_options.union({WRITE: True})
        return super().begin(nested)


@event.listens_for(StoreSession, "after_transaction_end")
def _back_to_reads(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and WRITE in session.execution_options:
        session.execution_options = session.execution_options.union({WRITE: False})


class _WriteTransaction(AsyncSessionTransaction):
    """A write transaction that first waits its turn among this process's writers on a SQLite store.

    SQLite has one writer at a time. Without the turn, a burst of writers in one process (the worker's
    activities as a batch of accounts starts) all wait in SQLite's busy handler, whose sleeps grow to
    100 ms and favour newcomers, so the oldest may time out; in line here they go in order. The line
    is no longer than the busy timeout: a store locked by another process fails every writer in line
    as it fails the first, "database is locked".
    """

    _turn: asyncio.Lock | None = None

    async def start(self, is_ctxmanager: bool = False) -> AsyncSessionTransaction:
        turn = _writers_turn(self.session) if not self.nested else None
        if turn is not None:
            await _wait_for_turn(turn, self.session)
            self._turn = turn
        try:
            return await super().start(is_ctxmanager)
        except BaseException:
            self._leave()
            raise

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        try:
            await super().__aexit__(type_, value, traceback)
        finally:
            self._leave()

    def _leave(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()


_BUSY_TIMEOUT_S: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
_TURNS: weakref.WeakKeyDictionary[Any, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _writers_turn(session: AsyncSession) -> asyncio.Lock | None:
    """The line of this process's writers on the session's SQLite engine (None on PostgreSQL)."""
    bind = session.bind
    if bind is None or bind.dialect.name != "sqlite":
        return None
    by_loop = _TURNS.setdefault(bind.sync_engine, weakref.WeakKeyDictionary())
    return by_loop.setdefault(asyncio.get_running_loop(), asyncio.Lock())


async def _wait_for_turn(turn: asyncio.Lock, session: AsyncSession) -> None:
    """Wait in line no longer than SQLite would wait for its lock, then fail the same way (a busy store)."""
    assert session.bind is not None
    timeout = _BUSY_TIMEOUT_S.get(session.bind.sync_engine, INTERACTIVE_BUSY_TIMEOUT_MS / 1000)
    try:
        await asyncio.wait_for(turn.acquire(), timeout)
    except TimeoutError:
        locked = sqlite3.OperationalError("database is locked")
        raise OperationalError("BEGIN IMMEDIATE (waiting in line for the write lock)", None, locked) from None


class StoreAsyncSession(AsyncSession):
    """`session.begin()` waits its turn among the process's writers (SQLite), then begins a write."""

    def begin(self) -> AsyncSessionTransaction:
        return _WriteTransaction(self)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=StoreAsyncSession, expire_on_commit=False, sync_session_class=StoreSession)


def alembic_config(url: str) -> Config:
    """Alembic's configuration built from the package, whatever the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["sqlalchemy.url"] = url
    return config


async def migrate(url: str) -> None:
    """Upgrade to head; alembic is synchronous and runs its own event loop, so in a thread.

    A SQLite store is put in WAL first (it stays so): readers and the writer never block each other.
    """
    if is_sqlite(url):
        engine = make_engine(url)
        try:
            async with engine.connect():
                pass  # connecting switches the file to WAL (see `_configure_sqlite`)
        finally:
            await engine.dispose()
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")


async def schema_is_current(url: str) -> bool:
    return await _current_revisions(url) == _head_revisions()


async def ensure_schema(url: str) -> None:
    """Migrate an empty database; refuse one at another revision (upgrading is the operator's call).

    Processes that start together (the demo's worker, web service and CLI) look and migrate one at a
    time: on SQLite under a lock file beside the database, on PostgreSQL under the migration's
    advisory lock (store/migrations/env.py), where a second upgrade finds the first one's head.
    """
    async with _migration_turn(url):
        await _ensure_schema(url)


async def _ensure_schema(url: str) -> None:
    current, head = await _current_revisions(url), _head_revisions()
    if current == head:
        return
    if current:
        raise SchemaNotCurrent(
            f"database is at revision {', '.join(sorted(current))}, this code needs "
            f"{', '.join(sorted(head))}: run `collections db upgrade` with the same DATABASE_URL"
        )
    await migrate(url)


@asynccontextmanager
async def _migration_turn(url: str) -> AsyncIterator[None]:
    database = make_url(url).database
    if not is_sqlite(url) or not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    ensure_sqlite_directory(url)
    with open_private(Path(f"{database}.migration-lock"), "a") as lock_file:
        await asyncio.to_thread(fcntl.flock, lock_file.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


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
