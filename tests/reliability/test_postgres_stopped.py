"""Drill: the PostgreSQL store stopped while payments arrive; the store activities fail, say so,
retry with backoff, and once it is back every account ends as an undisturbed run would.

The store is a private cluster of the test's own (tests/support/private_postgres.py: its own data
folder, a free loopback port; the machine's shared server is never touched). After the batch has
gone quiet the drill stops it (`pg_ctl stop -m fast`) and sends the payments as a feed would,
straight to the workflows, one twice. Each `record_payment` fails with the connection refused:
the worker logs one `store.unavailable` warning per failed attempt (the error in one line, the
attempt, retrying, the next try in 1 s, then 2 s: STORE_RETRY's backoff; a local activity, so its
retries are the worker's, not a pending activity on the server), and an operator's `status` gets one
line, not a traceback. Once every payment has failed twice the drill starts PostgreSQL again and
checks: each payment recorded exactly once, on its third attempt or later, after the restart; no
attempt or letter twice; the end of an undisturbed run. Last, a reference too long for its column
is ignored by the workflow's own check before any store write, and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from domain.messages import PaymentInput
from domain.workflow_contract import workflow_id_for
from tests.reliability.conftest import (
    Engine,
    Portfolio,
    assert_like_an_undisturbed_run,
    eventually,
    load_and_start,
    log_lines,
    pay_as_a_feed,
    running_engine,
    store_warnings,
    utc_now,
    wait_for_the_end_state,
)
from tests.support.private_postgres import PrivatePostgres
from workflows.account import AccountCollectionsWorkflow

pytestmark = pytest.mark.e2e
ACCOUNTS = 10
FAILED_ATTEMPTS = 2
"""Failures each payment goes through before the restart: STORE_RETRY waits 1 s, then 2 s."""


@pytest.fixture
async def engine(tmp_path: Path, private_postgres: PrivatePostgres) -> AsyncIterator[Engine]:
    """The engine with its store on the private cluster."""
    async with running_engine(tmp_path, store_url=private_postgres.url) as running:
        yield running


async def test_postgres_stopped_while_payments_arrive(
    engine: Engine, private_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    portfolio = await load_and_start(engine, tmp_path / "accounts.csv", ACCOUNTS, "P")
    log = await engine.start_worker()
    payers = portfolio.payers
    await wait_for_the_end_state(engine, Portfolio(portfolio.balances, payers=[]))  # the batch is quiet

    private_postgres.stop()
    refused = f"ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', {private_postgres.port})"
    looking = asyncio.create_task(engine.cli("status", payers[0], "--json"))
    await pay_as_a_feed(engine, portfolio)

    def failed_enough(lines: list[dict[str, Any]]) -> bool:
        warned = store_warnings(lines, "record_payment")
        return all(len(warned.get(a, [])) >= FAILED_ATTEMPTS for a in payers)

    # The payment's store write is a local activity: its retries are the worker's, seen in its log (the
    # server holds no pending activity for it), each failed attempt one `store.unavailable` line.
    await eventually(
        lambda: engine.worker_log(log), failed_enough, timeout=30,
        what=f"every payment's store activity to have failed {FAILED_ATTEMPTS} times",
    )  # fmt: skip

    status = await looking
    assert status.returncode == 1, status.stdout
    assert status.stderr.strip().splitlines() == [
        f"error: account store unavailable (PostgreSQL 127.0.0.1:{private_postgres.port}/postgres): {refused}; "
        "try again"
    ]

    restarted_at = utc_now()  # taken first: the cluster accepts connections before pg_ctl returns
    private_postgres.start()
    await wait_for_the_end_state(engine, portfolio)

    # A reference longer than PostgreSQL's column: the workflow's own check (domain.validation) refuses it
    # before any store write, one warning line, nothing changed: the store's refusal is never reached.
    too_long = PaymentInput(100, "X" * 200, restarted_at.date().isoformat())
    stranger = portfolio.others[0]
    client = await engine.client()
    await client.get_workflow_handle(workflow_id_for(stranger)).signal(AccountCollectionsWorkflow.payment, too_long)
    def ignored(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [line for line in lines if str(line["event"]).startswith("payment ignored: a payment reference")]

    seen = await eventually(lambda: engine.worker_log(log), ignored, what="the workflow to ignore the long reference")
    assert len(ignored(seen)) == 1 and f"account-{stranger}" in str(ignored(seen)[0]), ignored(seen)

    await assert_like_an_undisturbed_run(engine, portfolio, tmp_path / "letters.csv")

    lines = log_lines(log)
    recorded = [line for line in lines if line["event"] == "payment.recorded"]
    assert sorted(line["reference"] for line in recorded) == sorted(map(portfolio.reference, payers))
    assert all(line["attempt"] > FAILED_ATTEMPTS for line in recorded), "each payment went in on a retry"
    assert all(datetime.fromisoformat(line["timestamp"]) >= restarted_at for line in recorded), "after the restart"
    warnings = store_warnings(lines, "record_payment")
    assert sorted(warnings) == payers
    for account_id, failed in warnings.items():
        assert [line["attempt"] for line in failed] == list(range(1, len(failed) + 1)), account_id
        assert [line["retry_in_seconds"] for line in failed[:2]] == [1.0, 2.0], account_id
        assert {(line["level"], line["error"], line["retrying"]) for line in failed} == {("warning", refused, True)}
    assert not [line for line in lines if line["level"] in ("error", "critical")], "no error line: all retried"
