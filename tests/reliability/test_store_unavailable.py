"""Drill: the store locked for a few seconds while payments flow; nothing is lost, nothing applied twice.

The test takes SQLite's write lock itself (`BEGIN EXCLUSIVE` on its own connection) and holds it
while payment signals arrive, as from a payment feed. What happens is the store's busy timeout at
work: every connection the engine opens sets `PRAGMA busy_timeout=30000` (store/db.py) and begins
its transactions `BEGIN IMMEDIATE`, so a store activity (start-to-close 30 s) waits for the lock
inside its first attempt instead of failing; a lock held past 30 s would fail it ("database is
locked", or the start-to-close timeout) and the retry policy (1 s, doubling to 60 s, no limit)
would take over. The drill checks the waiting: each `record_payment` was running while the lock
was held, finished on its first attempt after the release, and the log has no activity failure.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client

from domain.messages import PaymentInput
from tests.reliability.conftest import (
    Engine,
    Portfolio,
    assert_like_an_undisturbed_run,
    eventually,
    load_and_start,
    log_lines,
    utc_now,
    wait_for_the_end_state,
)
from workflows.account import AccountCollectionsWorkflow, workflow_id_for

pytestmark = pytest.mark.e2e
ACCOUNTS = 10
LOCKED_SECONDS = 6.0


async def running_store_activities(client: Client, account_ids: list[str]) -> dict[str, list[tuple[str, int]]]:
    """The store activities each workflow has started and not finished: (type, attempt)."""
    running = {}
    for account_id in account_ids:
        description = await client.get_workflow_handle(workflow_id_for(account_id)).describe()
        running[account_id] = [
            (pending.activity_type.name, pending.attempt)
            for pending in description.raw_description.pending_activities
            if pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        ]
    return running


async def test_store_unavailable_for_a_while(engine: Engine, tmp_path: Path) -> None:
    portfolio = await load_and_start(engine, tmp_path / "accounts.csv", ACCOUNTS, "L")
    log = await engine.start_worker()
    payers = portfolio.payers
    quiet = Portfolio(portfolio.balances, payers=[])
    await wait_for_the_end_state(engine, quiet)  # every validation notice out, no payment yet: the batch is quiet
    client = await Client.connect(engine.address)
    today = utc_now().date().isoformat()

    lock = sqlite3.connect(engine.store_file, timeout=10, isolation_level=None)
    try:
        lock.execute("BEGIN EXCLUSIVE")
        locked_at = asyncio.get_running_loop().time()
        # An operator looking meanwhile: the CLI's reads begin IMMEDIATE too, so it waits for the store.
        looking = asyncio.create_task(engine.cli("status", payers[0], "--json"))
        for account_id in payers:
            handle = client.get_workflow_handle(workflow_id_for(account_id))
            payment = PaymentInput(portfolio.balances[account_id], portfolio.reference(account_id), today)
            await handle.signal(AccountCollectionsWorkflow.payment, payment)
        await handle.signal(AccountCollectionsWorkflow.payment, payment)  # the feed sends the last one twice

        blocked = await eventually(
            lambda: running_store_activities(client, payers),
            lambda running: all(("record_payment", 1) in r for r in running.values()),
            timeout=20,
            what="every payment's store activity to be running against the locked store",
        )
        await asyncio.sleep(max(0.0, LOCKED_SECONDS - (asyncio.get_running_loop().time() - locked_at)))
        assert lock.execute("SELECT count(*) FROM payments").fetchone() == (0,), "nothing got past the lock"
        assert await running_store_activities(client, payers) == blocked, "still waiting, still first attempts"
        released_at = utc_now()
    finally:
        if lock.in_transaction:
            lock.execute("ROLLBACK")
        lock.close()

    await wait_for_the_end_state(engine, portfolio)
    status = await looking
    assert status.returncode == 0 and json.loads(status.stdout)["account_id"] == payers[0], status.stderr
    await assert_like_an_undisturbed_run(engine, portfolio, tmp_path / "letters.csv")

    lines = log_lines(log)
    recorded = [line for line in lines if line["event"] == "payment.recorded"]
    assert sorted(line["reference"] for line in recorded) == sorted(map(portfolio.reference, payers))
    assert {line["attempt"] for line in recorded} == {1}, "each payment went in on its first attempt (busy_timeout)"
    assert all(datetime.fromisoformat(line["timestamp"]) >= released_at for line in recorded), "after the release"
    failures = [line for line in lines if str(line["event"]).startswith("Completing activity as failed")]
    assert failures == [], "the busy timeout absorbed the lock: no activity failed"
    assert not [line for line in lines if line["level"] in ("error", "critical")]
