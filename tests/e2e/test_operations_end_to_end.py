"""One account from load to paid, driven the way an operator would: dev server, worker and CLI as processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.intake import ACCOUNT_COLUMNS
from ops.operators import add_operator, os_user
from web.tokens import Role

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
RECENTLY_DUE = (date.today() - timedelta(days=20)).isoformat()
ROW = (
    "E1,Pat Doe,(212) 555-0100,pat@example.com,1 Main St,New York,NY,10001,"
    f"America/New_York,100.00,{RECENTLY_DUE},Northwind,false,card"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check: Callable[[], Any], *, timeout: float = 60, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def operators_file(path: Path, name: str, role: str) -> Path:
    """An operators file (the administrator's) saying this test's OS user is `name` with `role` at the CLI."""
    if path.exists():
        path.unlink()
    add_operator(path, os_user(), name, Role(role))
    return path


class Operator:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def acting_as(self, name: str, role: str) -> Operator:
        """The same engine, the CLI's OS user configured as `name` with `role` (a file of its own)."""
        where = Path(self.env["OPERATORS_FILE"]).with_name(f"operators-{name}-{role}.toml")
        return Operator({**self.env, "OPERATORS_FILE": str(operators_file(where, name, role))})

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "starter.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )

    def status(self, account_id: str) -> dict[str, Any]:
        done = self("status", account_id, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@contextmanager
def engine_at(tmp_path: Path) -> Iterator[tuple[Operator, subprocess.Popen[bytes]]]:
    """A dev server and worker.py as processes, their state under `tmp_path`; killed on the way out."""
    port = free_port()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        "COLLECTIONS_TASK_QUEUE": "e2e",
        "LOG_FORMAT": "json",
        "GRACEFUL_SHUTDOWN_SECONDS": "5",
        "OPERATORS_FILE": str(operators_file(tmp_path / "operators.toml", "e2e-supervisor", "supervisor")),
    }
    data_dir = str(tmp_path / "temporal")
    dev_server = ["starter.py", "dev-server", "--port", str(port), "--headless", "--data-dir", data_dir]
    server = subprocess.Popen(
        [sys.executable, *dev_server], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    operator = Operator(env)
    worker: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: operator("list", "--json").returncode == 0, what="the dev server to answer")
        with (tmp_path / "worker.log").open("w") as worker_log:
            worker = subprocess.Popen(
                [sys.executable, "worker.py"], cwd=ROOT, env=env, stderr=worker_log, stdout=subprocess.DEVNULL
            )
        yield operator, worker
    finally:
        for process in (worker, server):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


@pytest.fixture
def engine_processes(tmp_path: Path) -> Iterator[tuple[Operator, subprocess.Popen[bytes]]]:
    with engine_at(tmp_path) as engine:
        yield engine


def test_an_account_goes_from_load_to_paid_and_bad_events_change_nothing(engine_processes, tmp_path: Path) -> None:
    operator, worker = engine_processes
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + ROW + "\n")

    loaded = operator("load", str(portfolio), "--json")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["inserted"] == 1
    assert operator("status", "E1", "--json").returncode == 0
    assert operator.status("E1")["stage"] == "not_started"

    started = operator("start", "--account", "E1", "--json")
    assert json.loads(started.stdout) == {"started": ["E1"], "already_started": []}
    again = operator("start", "--account", "E1", "--json")
    assert json.loads(again.stdout) == {"started": [], "already_started": ["E1"]}

    first = operator(
        "event", "payment", "E1", "--amount", "40.00", "--reference", "CHK-1", "--received-on", RECENTLY_DUE
    )
    assert first.returncode == 0, first.stderr
    wait_until(lambda: operator.status("E1")["balance_cents"] == 6_000, what="the first payment")

    duplicate = operator("event", "payment", "E1", "--amount", "40.00", "--reference", "CHK-1")
    assert duplicate.returncode == 0 and "duplicate" in duplicate.stdout
    status = operator.status("E1")
    assert (status["balance_cents"], status["payments_count"], status["stage"]) == (6_000, 1, "contacting")

    unknown = operator("event", "payment", "NOPE", "--amount", "1.00", "--reference", "X-1")
    assert unknown.returncode == 1 and "unknown account NOPE" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    negative = operator("event", "payment", "E1", "--amount", "-5", "--reference", "X-2")
    assert negative.returncode != 0 and "amount" in negative.stderr

    ceased = operator("event", "cease", "E1")
    assert ceased.returncode == 0, ceased.stderr
    wait_until(lambda: "cease" in (operator.status("E1")["next_action"] or ""), what="contact to stop")

    offers = json.loads(operator("offers", "E1", "--json").stdout)
    assert offers[0]["kind"] == "pay_in_full" and offers[0]["total_cents"] == 6_000
    first_payment = (date.today() + timedelta(days=10)).isoformat()
    refused = operator("propose", "E1", "--installments", "60", "--first-payment-on", first_payment)
    assert refused.returncode == 1 and "rejected" in refused.stderr
    accepted = operator("propose", "E1", "--installments", "2", "--first-payment-on", first_payment)
    assert accepted.returncode == 0 and accepted.stdout.startswith("accepted"), accepted.stderr
    on_plan = wait_until(lambda: (s := operator.status("E1"))["stage"] == "on_plan" and s, what="the plan")
    assert on_plan["next_installment_cents"] == 3_000

    rest = operator("event", "payment", "E1", "--amount", "60.00", "--reference", "CHK-2")
    assert rest.returncode == 0, rest.stderr
    final = wait_until(lambda: (s := operator.status("E1"))["stage"] == "paid" and s, what="the account to be paid")
    assert final["balance_cents"] == 0 and final["payments_count"] == 2

    closed = operator("event", "payment", "E1", "--amount", "1.00", "--reference", "CHK-3")
    assert closed.returncode == 1 and "closed" in closed.stderr

    listed = wait_until(
        lambda: json.loads(operator("list", "--stage", "paid", "--json").stdout), what="the paid account in the list"
    )
    assert [row["account_id"] for row in listed] == ["E1"]

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    worker_log = (tmp_path / "worker.log").read_text().splitlines()
    log_lines = [json.loads(line) for line in worker_log if line.startswith("{")]
    events = {line["event"] for line in log_lines}
    assert {"worker.started", "payment.recorded", "worker.stopped"} <= events
    payment_lines = [line for line in log_lines if line["event"] == "payment.recorded"]
    assert all(line["account_id"] == "E1" and line["workflow_id"] == "account-E1" for line in payment_lines)
