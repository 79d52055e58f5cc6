"""Drills: the worker killed with SIGKILL, and the dev server stopped and started again, in the middle of a batch.

Whatever dies, the end is that of an undisturbed run: the payers `paid`, the others still worked,
each attempt and validation notice once, each payment reference once, each letter exported once,
and the workflows agreeing with the store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.conftest import (
    Engine,
    assert_like_an_undisturbed_run,
    dollars,
    first_contacts,
    load_and_start,
    log_lines,
    send_payments,
    wait_for_the_end_state,
)

pytestmark = pytest.mark.e2e
ACCOUNTS = 20
ONE_AT_A_TIME = {"MAX_CONCURRENT_ACTIVITIES": "1"}
"""The first worker runs one activity at a time, so its batch takes a second or two and the blow lands inside it."""


def recorded_references(*logs: Path) -> list[str]:
    return sorted(line["reference"] for log in logs for line in log_lines(log) if line["event"] == "payment.recorded")


async def test_kill_9_worker_mid_batch(engine: Engine, tmp_path: Path) -> None:
    portfolio = await load_and_start(engine, tmp_path / "accounts.csv", ACCOUNTS, "K")
    first_log = await engine.start_worker(**ONE_AT_A_TIME)
    await first_contacts(engine)
    engine.kill_worker()
    contacted = {a.account_id for a in await engine.attempts()}
    assert 0 < len(contacted) < ACCOUNTS, f"the kill did not land mid-batch: {sorted(contacted)}"

    # No worker now: every payer pays in full, and one payment arrives twice. The store has not seen the
    # first yet, so the CLI sends the second too: the workflow must know it.
    await send_payments(engine, portfolio)
    twice = portfolio.payers[0]
    payment = ("event", "payment", twice, "--amount", dollars(portfolio.balances[twice]))
    again = await engine.cli(*payment, "--reference", portfolio.reference(twice))
    assert again.returncode == 0 and "sent to account" in again.stdout, again.stderr

    second_log = await engine.start_worker()
    await wait_for_the_end_state(engine, portfolio)
    late = await engine.cli(*payment, "--reference", portfolio.reference(twice))
    assert late.returncode == 1 and f"account {twice} is closed" in late.stderr, late.stderr
    assert len(late.stderr.strip().splitlines()) == 1

    await assert_like_an_undisturbed_run(engine, portfolio, tmp_path / "letters.csv")
    assert "worker.stopped" not in {line["event"] for line in log_lines(first_log)}, "SIGKILL: no goodbye"
    assert recorded_references(first_log, second_log) == sorted(map(portfolio.reference, portfolio.payers))


async def test_dev_server_restart_mid_run(engine: Engine, tmp_path: Path) -> None:
    portfolio = await load_and_start(engine, tmp_path / "accounts.csv", ACCOUNTS, "S")
    worker_log = await engine.start_worker(**ONE_AT_A_TIME)
    await first_contacts(engine)
    assert engine.stop_server() == 0
    contacted = {a.account_id for a in await engine.attempts()}
    assert 0 < len(contacted) < ACCOUNTS, f"the stop did not land mid-batch: {sorted(contacted)}"

    # The server is down: an operator's payment is refused in one line and changes nothing.
    payer = portfolio.payers[0]
    payment = ("event", "payment", payer, "--amount", dollars(portfolio.balances[payer]))
    refused = await engine.cli(*payment, "--reference", portfolio.reference(payer))
    assert refused.returncode == 1 and "cannot reach Temporal" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert (await engine.payments([payer]))[payer] == []
    assert engine.worker is not None and engine.worker.poll() is None, "the worker waits for the server"

    await engine.start_server()
    await send_payments(engine, portfolio)
    # The same reference again: sent (the workflow drops it), reported as a duplicate, or refused as closed.
    again = await engine.cli(*payment, "--reference", portfolio.reference(payer))
    sent_or_duplicate = again.returncode == 0 and ("sent to account" in again.stdout or "duplicate:" in again.stdout)
    closed = again.returncode == 1 and f"account {payer} is closed" in again.stderr
    assert sent_or_duplicate or closed, (again.stdout, again.stderr)

    await wait_for_the_end_state(engine, portfolio)
    await assert_like_an_undisturbed_run(engine, portfolio, tmp_path / "letters.csv")
    # The same worker process did it all: it reconnected by itself, and still drains and stops cleanly.
    assert engine.worker_logs == [worker_log]
    assert recorded_references(worker_log) == sorted(map(portfolio.reference, portfolio.payers))
    assert engine.stop_worker() == 0
    assert {"worker.draining", "worker.stopped"} <= {line["event"] for line in log_lines(worker_log)}
