"""SQLite serves the worker, the web service and the CLI at once: reads never take the write lock,
writes wait their turn for it, and processes that start together migrate once."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from store import repository
from store.db import make_engine, make_session_factory, migrate, schema_is_current
from tests.support.accounts import add_account
from tests.support.databases import sqlite_url


async def _store(tmp_path: Path) -> tuple[str, Path]:
    url = sqlite_url(tmp_path)
    await migrate(url)
    return url, Path(url.split("///", 1)[1])


def _hold_the_write_lock(store_file: Path) -> sqlite3.Connection:
    """Another process's writer in the middle of a transaction (in WAL, EXCLUSIVE is IMMEDIATE)."""
    lock = sqlite3.connect(store_file, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    lock.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
    return lock


async def test_a_read_answers_at_once_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    url, store_file = await _store(tmp_path)
    engine = make_engine(url, busy_timeout_ms=60_000)
    sessions = make_session_factory(engine)
    lock = _hold_the_write_lock(store_file)
    try:
        began = time.monotonic()
        async with sessions() as session:
            accounts = (await session.execute(text("SELECT count(*) FROM accounts"))).scalar_one()
        assert accounts == 0
        assert time.monotonic() - began < 2, "the read did not wait for the writer's lock"
    finally:
        lock.execute("ROLLBACK")
        lock.close()
        await engine.dispose()


async def test_a_write_waits_for_the_lock_and_goes_in_when_it_is_released(tmp_path: Path) -> None:
    url, store_file = await _store(tmp_path)
    engine = make_engine(url, busy_timeout_ms=30_000)
    sessions = make_session_factory(engine)
    await add_account(sessions, "W1")
    lock = _hold_the_write_lock(store_file)
    try:

        async def write() -> None:
            async with sessions() as session, session.begin():
                await repository.append_audit(
                    session, account_id="W1", action="test.write", detail={}, actor="test",
                    now=datetime.now(UTC), idempotency_key="w1",
                )  # fmt: skip

        writing = asyncio.create_task(write())
        done, _ = await asyncio.wait({writing}, timeout=1.0)
        assert not done, "the write waits for the lock instead of failing at once"
        lock.execute("ROLLBACK")
        await asyncio.wait_for(writing, timeout=30)
    finally:
        if lock.in_transaction:
            lock.execute("ROLLBACK")
        lock.close()
    async with sessions() as session:
        query = text("SELECT count(*) FROM audit_log WHERE action = 'test.write'")
        count = (await session.execute(query)).scalar_one()
    await engine.dispose()
    assert count == 1


async def test_after_a_write_the_same_session_reads_without_the_lock_again(tmp_path: Path) -> None:
    url, store_file = await _store(tmp_path)
    engine = make_engine(url, busy_timeout_ms=60_000)
    sessions = make_session_factory(engine)
    async with sessions() as session:
        async with session.begin():
            await session.execute(text("SELECT 1"))
        lock = _hold_the_write_lock(store_file)
        try:
            began = time.monotonic()
            await session.execute(text("SELECT count(*) FROM accounts"))
            assert time.monotonic() - began < 2
        finally:
            lock.execute("ROLLBACK")
            lock.close()
    await engine.dispose()


def test_processes_that_start_together_on_an_empty_store_migrate_it_once(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    script = "import asyncio, sys; from store.db import ensure_schema; asyncio.run(ensure_schema(sys.argv[1]))"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err for _, err in results]
    assert asyncio.run(schema_is_current(url))


def test_reading_the_demo_sized_store_is_not_serialised(tmp_path: Path) -> None:
    """Many readers at once against a writer that commits in a loop: no read fails, none waits long."""
    url = sqlite_url(tmp_path)

    async def scenario() -> tuple[int, float]:
        await migrate(url)
        engine = make_engine(url, busy_timeout_ms=60_000)
        sessions = make_session_factory(engine)
        for i in range(20):
            await add_account(sessions, f"R{i}")
        stop = asyncio.Event()

        async def writer() -> int:
            written = 0
            while not stop.is_set():
                async with sessions() as session, session.begin():
                    await repository.append_audit(
                        session, account_id="R1", action="test.write", detail={}, actor="test",
                        now=datetime.now(UTC), idempotency_key=f"k{written}",
                    )  # fmt: skip
                written += 1
            return written

        async def reader() -> float:
            slowest = 0.0
            for _ in range(30):
                began = time.monotonic()
                async with sessions() as session:
                    await session.execute(text("SELECT count(*) FROM audit_log"))
                slowest = max(slowest, time.monotonic() - began)
            return slowest

        writing = asyncio.create_task(writer())
        slowest = max(await asyncio.gather(*(reader() for _ in range(5))))
        stop.set()
        written = await writing
        await engine.dispose()
        return written, slowest

    written, slowest = asyncio.run(scenario())
    assert written > 0
    assert slowest < 5, f"a read took {slowest:.1f} s"


async def test_a_burst_of_writers_in_one_process_goes_in_in_the_order_it_asked(tmp_path: Path) -> None:
    """Twenty writers at once in one process (the worker's activities as a batch starts) take the write
    lock in the order they asked for it: in SQLite's busy handler (sleeps growing to 100 ms, newcomers
    favoured) the first to ask could wait longest and time out; in the process's line none overtakes."""
    url, _ = await _store(tmp_path)
    engine = make_engine(url, busy_timeout_ms=10_000)
    sessions = make_session_factory(engine)
    await add_account(sessions, "B1")
    entered: list[int] = []

    async def write(number: int) -> None:
        async with sessions() as session, session.begin():
            await repository.append_audit(
                session, account_id="B1", action="test.burst", detail={}, actor="test",
                now=datetime.now(UTC), idempotency_key=f"burst-{number}",
            )  # fmt: skip
            entered.append(number)
            await asyncio.sleep(0.02)  # a transaction that takes a while under load

    await asyncio.gather(*(write(n) for n in range(20)))
    await engine.dispose()
    assert entered == list(range(20))
