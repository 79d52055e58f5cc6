"""Drill: the PostgreSQL store stopped while payments arrive; the store activities fail, say so,
retry with backoff, and once it is back every account ends as an undisturbed run would.

The store is a private cluster of the test's own (tests/support/private_postgres.py: its own data
folder, a free loopback port; the machine's shared server is never touched). After the batch has
gone quiet the drill stops it (`pg_ctl stop -m fast`) and sends the payments as a feed would,
straight to the workflows, one twice. Each `record_payment` fails with the connection refused:
the worker logs one `store.unavailable` warning per failed attempt (the error in one line, the
attempt, retrying, the next try in 1 s, then 2 s: STORE_RETRY's backoff), the server's pending
activity carries the one-line `StoreUnavailable` failure, and an operator's `status` gets one
line, not a traceback. Once every payment has failed twice the drill starts PostgreSQL again and
checks: each payment recorded exactly once, on its third attempt or later, after the restart; no
attempt or letter twice; the end of an undisturbed run. Last, a reference too long for its column
is refused by PostgreSQL at once (`StoreRefused`, not retried) and changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from domain.messages import PaymentInput
from domain.workflow_contract import workflow_id_for
from tests.reliability.conftest import (
    Engine,
    Portfolio,
    assert_like_an_undisturbed_run,
    attempts_of,
    eventually,
    load_and_start,
    log_lines,
    pay_as_a_feed,
    pending_activities,
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

    await eventually(
        lambda: attempts_of(engine, payers, "record_payment"),
        lambda attempts: all(n and n[0] > FAILED_ATTEMPTS for n in attempts.values()),
        timeout=30,
        what=f"every payment's store activity to have failed {FAILED_ATTEMPTS} times",
    )
    await eventually(lambda: engine.worker_log(log), failed_enough, what="a warning for each failed attempt")
    converter = (await engine.client()).data_converter  # failure messages are encrypted like any payload
    for account_id, infos in (await pending_activities(engine, payers)).items():
        failure = next(i.last_failure for i in infos if i.activity_type.name == "record_payment")
        error = await converter.decode_failure(failure)
        assert isinstance(error, ApplicationError) and error.type == "StoreUnavailable", account_id
        assert error.message == f"store unavailable: {refused}", account_id

    status = await looking
    assert status.returncode == 1, status.stdout
    assert status.stderr.strip().splitlines() == [
        f"error: account store unavailable (PostgreSQL 127.0.0.1:{private_postgres.port}/postgres): {refused}; "
        "try again"
    ]

    restarted_at = utc_now()  # taken first: the cluster accepts connections before pg_ctl returns
    private_postgres.start()
    await wait_for_the_end_state(engine, portfolio)

    # A reference longer than PostgreSQL's column: refused once, not retried, nothing changed.
    too_long = PaymentInput(100, "X" * 200, restarted_at.date().isoformat())
    stranger = portfolio.others[0]
    client = await engine.client()
    await client.get_workflow_handle(workflow_id_for(stranger)).signal(AccountCollectionsWorkflow.payment, too_long)
    refusals = await eventually(
        lambda: engine.worker_log(log),
        lambda lines: any(line["event"] == "store.refused" for line in lines),
        what="the store to refuse the long reference",
    )
    await eventually(
        lambda: attempts_of(engine, [stranger], "record_payment"),
        lambda attempts: attempts[stranger] == [],
        what="the refused payment's activity to be over",
    )

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

    [refusal] = [line for line in refusals if line["event"] == "store.refused"]
    assert (refusal["account_id"], refusal["attempt"], refusal["retrying"]) == (stranger, 1, False)
    assert refusal["error"] == "StringDataRightTruncationError: value too long for type character varying(128)"
    errors = [line for line in lines if line["level"] in ("error", "critical")]
    assert len(errors) == 1, errors
    assert errors[0]["event"].startswith(
        f"payment {too_long.reference} refused by the store: StoreRefused: store refused the request: "
        + refusal["error"]
    ), "the workflow's own report of the refusal, nothing else"
