"""Drill: the SQLite store locked past its busy timeout while payments flow; the payment activities
fail, say so, retry, and nothing is lost or applied twice.

The test takes SQLite's write lock itself (`BEGIN EXCLUSIVE` on its own connection) and holds it
while payment signals arrive, as from a payment feed (the last one twice). Every connection the
engine's worker opens waits `SQLITE_BUSY_TIMEOUT_MS` (10 s, store/db.py) to write, well inside the
store activities' 30 s start-to-close: so each `record_payment`'s first attempt fails with "database
is locked", the worker logs one `store.unavailable` warning for it (the error, attempt 1, retrying,
next try in 1 s), and the retry policy tries again. An operator's `status` meanwhile reads without
the lock but waits for it to record the view (audited before shown), and answers once it is free.

The drill holds the lock until every payment's activity is on its second attempt or later, then
releases it and checks: each payment recorded once, on a later attempt, after the release; the
operator's answer and its view entry; the end of an undisturbed run; no error line in the worker's log.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from store import repository
from store.db import SQLITE_BUSY_TIMEOUT_MS
from tests.reliability.conftest import (
    Engine,
    Portfolio,
    assert_like_an_undisturbed_run,
    eventually,
    load_and_start,
    log_lines,
    pay_as_a_feed,
    store_warnings,
    utc_now,
    wait_for_the_end_state,
)

pytestmark = pytest.mark.e2e
ACCOUNTS = 10
LOCKED_ERROR = "OperationalError: database is locked"


async def test_store_locked_past_the_busy_timeout(engine: Engine, tmp_path: Path) -> None:
    portfolio = await load_and_start(engine, tmp_path / "accounts.csv", ACCOUNTS, "L")
    log = await engine.start_worker()
    payers = portfolio.payers
    await wait_for_the_end_state(engine, Portfolio(portfolio.balances, payers=[]))  # the batch is quiet

    lock = sqlite3.connect(engine.store_file, timeout=10, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        locked_at = utc_now()
        # An operator looking meanwhile: the read takes no lock, but the view is audited before the
        # account is shown (no view of personal data goes unrecorded), so `status` waits for the lock.
        looking = asyncio.create_task(engine.cli("status", payers[0], timeout=150))
        await pay_as_a_feed(engine, portfolio)
        await eventually(  # a local activity: its failed attempts are in the worker's log, one line each
            lambda: engine.worker_log(log),
            lambda lines: all(store_warnings(lines, "record_payment").get(a) for a in payers),
            timeout=30,
            what="every payment's store activity to have failed once against the locked store",
        )
        assert lock.execute("SELECT count(*) FROM payments").fetchone() == (0,), "nothing got past the lock"
        assert not looking.done(), "the operator's view waits to be recorded"
        released_at = utc_now()
    finally:
        if lock.in_transaction:
            lock.execute("ROLLBACK")
        lock.close()

    assert (released_at - locked_at).total_seconds() > SQLITE_BUSY_TIMEOUT_MS / 1000
    status = await looking
    assert status.returncode == 0, status.stderr
    assert payers[0] in status.stdout and "contacting" in status.stdout
    async with engine.sessions() as session:
        trail = await repository.audit_trail(session, payers[0])
    views = [entry for entry in trail if entry.action == "view.cli_status"]
    assert [entry.actor for entry in views] == ["drill-supervisor"], "the view was recorded once the lock was free"

    await wait_for_the_end_state(engine, portfolio)
    await assert_like_an_undisturbed_run(engine, portfolio, tmp_path / "letters.csv")

    lines = log_lines(log)
    recorded = [line for line in lines if line["event"] == "payment.recorded"]
    assert sorted(line["reference"] for line in recorded) == sorted(map(portfolio.reference, payers))
    assert all(line["attempt"] >= 2 for line in recorded), "each payment went in on a retry"
    assert all(datetime.fromisoformat(line["timestamp"]) >= released_at for line in recorded), "after the release"
    warnings = store_warnings(lines, "record_payment")
    assert sorted(warnings) == payers, "each payment's failed attempt was logged"
    for account_id, failed in warnings.items():
        assert [line["attempt"] for line in failed] == list(range(1, len(failed) + 1)), account_id
        assert {(line["level"], line["error"], line["retrying"]) for line in failed} == {
            ("warning", LOCKED_ERROR, True)
        }
        assert failed[0]["retry_in_seconds"] == 1.0
    assert not [line for line in lines if str(line["event"]).startswith("Completing activity as failed")], (
        "one line per failure: the SDK's own report of the benign StoreUnavailable stays at debug level"
    )
    assert not [line for line in lines if line["level"] in ("error", "critical")]
