"""Store activities when the database itself fails: unavailable (one warning line, retried) or
refusing the data (non-retryable), on a real SQLite file and a private PostgreSQL cluster."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory
from temporalio.testing import ActivityEnvironment

from activities.account_store import AccountStoreActivities
from domain.messages import RecordPaymentInput
from store import repository
from store.db import make_engine, make_session_factory, migrate
from tests.support.accounts import add_account
from tests.support.databases import sqlite_url
from tests.support.private_postgres import PrivatePostgres
from worker_wiring import all_activities
from workflows.account import STORE_RETRY

Sessions = async_sessionmaker[AsyncSession]
SHORT_BUSY_TIMEOUT_MS = 200
"""The store's busy timeout is seconds long; this test's lock needs to outlast only this one."""


def payment(reference: str = "R-1") -> RecordPaymentInput:
    return RecordPaymentInput("A1", reference, 1_000, "2026-01-05", "test")


def environment(attempt: int = 1) -> ActivityEnvironment:
    """An activity context whose attempt and retry policy are the workflow's (STORE_RETRY)."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, activity_type="record_payment", attempt=attempt, retry_policy=STORE_RETRY)
    return env


async def record_payment_failing(sessions: Sessions, request: RecordPaymentInput, attempt: int = 1) -> tuple[
    ApplicationError, list[dict[str, Any]]
]:  # fmt: skip
    with structlog.testing.capture_logs() as logs, pytest.raises(ApplicationError) as failed:
        await environment(attempt).run(AccountStoreActivities(sessions).record_payment, request)
    return failed.value, logs


@pytest.fixture
async def quick_sqlite(tmp_path: Path) -> AsyncIterator[tuple[Sessions, Path]]:
    """A migrated SQLite store whose connections give up on a held lock after 0.2 s."""
    url = sqlite_url(tmp_path)
    await migrate(url)
    engine = make_engine(url)

    def shorter_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SHORT_BUSY_TIMEOUT_MS}")
        cursor.close()

    event.listen(engine.sync_engine, "connect", shorter_wait)
    yield make_session_factory(engine), tmp_path / "collections.db"
    await engine.dispose()


@pytest.fixture
async def postgres_store(private_postgres: PrivatePostgres) -> AsyncIterator[Sessions]:
    await migrate(private_postgres.url)
    engine = make_engine(private_postgres.url)
    yield make_session_factory(engine)
    await engine.dispose()


def test_every_activity_is_guarded() -> None:
    """Each registered activity goes through `store_activity` (a new one without it would time out silently)."""
    unguarded = [a.__name__ for a in all_activities(None, None) if not hasattr(a, "__wrapped__")]  # type: ignore[arg-type]
    assert unguarded == []


async def test_sqlite_locked_past_the_busy_timeout_is_logged_once_and_retried(
    quick_sqlite: tuple[Sessions, Path],
) -> None:
    sessions, store_file = quick_sqlite
    await add_account(sessions, "A1", balance_cents=5_000)
    lock = sqlite3.connect(store_file, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        failure, logs = await record_payment_failing(sessions, payment(), attempt=3)
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    assert (failure.type, failure.non_retryable) == ("StoreUnavailable", False)
    assert failure.category == ApplicationErrorCategory.BENIGN, "the SDK does not log it a second time"
    assert failure.message == "store unavailable: OperationalError: database is locked"
    assert failure.__cause__ is None, "no SQL nor bound parameters in the history"
    assert [(log["event"], log["log_level"]) for log in logs] == [("store.unavailable", "warning")]
    assert {k: logs[0][k] for k in ("account_id", "activity", "attempt", "error", "retrying", "retry_in_seconds")} == {
        "account_id": "A1",
        "activity": "record_payment",
        "attempt": 3,
        "error": "OperationalError: database is locked",
        "retrying": True,
        "retry_in_seconds": 4.0,  # 1 s doubling: the wait before attempt 4
    }

    recorded = await environment(attempt=4).run(AccountStoreActivities(sessions).record_payment, payment())
    assert (recorded.applied, recorded.balance_cents) == (True, 4_000), "the lock released, the retry goes in"


async def test_postgresql_stopped_then_started_again(
    private_postgres: PrivatePostgres, postgres_store: Sessions
) -> None:
    await add_account(postgres_store, "A1", balance_cents=5_000)
    private_postgres.stop()
    failure, logs = await record_payment_failing(postgres_store, payment())

    assert (failure.type, failure.non_retryable) == ("StoreUnavailable", False)
    assert failure.message.startswith("store unavailable: ConnectionRefusedError: ")
    assert f"'127.0.0.1', {private_postgres.port}" in failure.message and "\n" not in failure.message
    assert [(log["event"], log["attempt"], log["retrying"], log["retry_in_seconds"]) for log in logs] == [
        ("store.unavailable", 1, True, 1.0)
    ]

    private_postgres.start()
    recorded = await environment(attempt=2).run(AccountStoreActivities(postgres_store).record_payment, payment())
    again = await environment(attempt=3).run(AccountStoreActivities(postgres_store).record_payment, payment())
    assert (recorded.applied, again.applied, again.balance_cents) == (True, False, 4_000)
    async with postgres_store() as session:
        assert [p.reference for p in await repository.payments_for(session, "A1")] == ["R-1"]


async def test_a_reference_too_long_for_postgresql_is_refused_not_retried(postgres_store: Sessions) -> None:
    await add_account(postgres_store, "A1", balance_cents=5_000)
    failure, logs = await record_payment_failing(postgres_store, payment("R" * 200))

    assert (failure.type, failure.non_retryable) == ("StoreRefused", True)
    assert failure.message == (
        "store refused the request: StringDataRightTruncationError: value too long for type character varying(128)"
    )
    assert [(log["event"], log["retrying"]) for log in logs] == [("store.refused", False)]
    async with postgres_store() as session:
        assert await repository.payments_for(session, "A1") == []
        assert (await repository.get_account(session, "A1")).balance_cents == 5_000  # type: ignore[union-attr]


def test_the_retry_policy_stops_on_a_store_refusal() -> None:
    assert "StoreRefused" in (STORE_RETRY.non_retryable_error_types or [])
    assert STORE_RETRY.initial_interval == timedelta(seconds=1)
