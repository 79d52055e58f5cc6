"""The engine as processes for the reliability drills: a dev server and a worker the drill can kill and restart."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.contact_messages import AttemptStatus, attempt_key
from domain.intake import ACCOUNT_COLUMNS
from domain.stages import Stage
from ops.demo import daytime_zones
from store import repository
from store.db import make_engine, make_session_factory
from store.views import AccountView, AttemptView, PaymentView
from tests.e2e.test_operations_end_to_end import ROOT, free_port

T = TypeVar("T")
RECENTLY_DUE = date.today() - timedelta(days=20)
"""Inside the demo strategy's thresholds: a new account starts in `contacting` and stays there for minutes."""
SERVER_START_SECONDS = 60
WORKER_START_SECONDS = 30


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], *, timeout: float, what: str) -> T:
    """Poll `probe` until `check` holds; fail naming `what` and the last value seen after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value: {value!r}")
        await asyncio.sleep(0.1)


@dataclass
class Portfolio:
    """The accounts a drill loads, and what an undisturbed run makes of them."""

    balances: dict[str, int]
    payers: list[str]

    @property
    def others(self) -> list[str]:
        return [a for a in self.balances if a not in self.payers]

    def reference(self, account_id: str) -> str:
        return f"PAY-{account_id}"

    def expected_end(self) -> dict[str, tuple[str, int, int]]:
        """stage, balance and payments count per account: the payers paid in full, the others still worked."""
        return {
            a: ("paid", 0, 1) if a in self.payers else ("contacting", cents, 0)
            for a, cents in self.balances.items()
        }


def portfolio_csv(prefix: str, count: int, now: datetime) -> tuple[str, Portfolio]:
    """`count` accounts due recently, in zones where it is daytime now so the gate lets contacts through."""
    zones = daytime_zones(now)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACCOUNT_COLUMNS)
    balances = {}
    for number in range(1, count + 1):
        account_id = f"{prefix}{number:03d}"
        balance_cents = 10_000 + 137 * number
        balances[account_id] = balance_cents
        writer.writerow([
            account_id, f"Debtor {number}", f"(212) 555-{number:04d}", f"debtor{number}@example.com",
            f"{number} Main St", "New York", "NY", "10001", zones[number % len(zones)],
            f"{balance_cents // 100}.{balance_cents % 100:02d}", RECENTLY_DUE.isoformat(), "Northwind", "false", "card",
        ])  # fmt: skip
    return out.getvalue(), Portfolio(balances, payers=sorted(balances)[::2])


@dataclass
class Engine:
    """`starter.py dev-server` and `worker.py` as processes; the drill kills, stops and restarts them."""

    tmp_path: Path
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    worker_logs: list[Path] = field(default_factory=list)
    _engine: AsyncEngine | None = None

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.store_file}"

    @property
    def store_file(self) -> Path:
        return self.tmp_path / "store.db"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TEMPORAL_ADDRESS": self.address,
            "DATABASE_URL": self.database_url,
            "COLLECTIONS_TASK_QUEUE": "reliability",
            "COLLECTIONS_STRATEGY": "demo",
            "LOG_FORMAT": "json",
            "GRACEFUL_SHUTDOWN_SECONDS": "5",
        }

    # ---- the dev server ----

    async def start_server(self) -> None:
        assert self.server is None or self.server.poll() is not None, "the dev server is already running"
        data_dir = self.tmp_path / "temporal"
        command = ["starter.py", "dev-server", "--port", str(self.port), "--headless", "--data-dir", str(data_dir)]
        with (self.tmp_path / "dev-server.log").open("ab") as log:
            self.server = subprocess.Popen(
                [sys.executable, *command], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        await eventually(self._server_answers, bool, timeout=SERVER_START_SECONDS, what="the dev server to answer")

    async def _server_answers(self) -> bool:
        assert self.server is not None
        if self.server.poll() is not None:
            raise AssertionError(f"the dev server exited with {self.server.returncode}")
        try:
            client = await Client.connect(self.address)
            return await client.service_client.check_health()
        except Exception:  # noqa: BLE001 - anything short of an answer means not yet
            return False

    def stop_server(self) -> int:
        """SIGTERM, and wait for the server to exit (it persists its state in the data dir)."""
        assert self.server is not None and self.server.poll() is None
        self.server.send_signal(signal.SIGTERM)
        return self.server.wait(timeout=30)

    # ---- the worker ----

    async def start_worker(self, **env: str) -> Path:
        assert self.worker is None or self.worker.poll() is not None, "a worker is already running"
        log_file = self.tmp_path / f"worker-{len(self.worker_logs) + 1}.log"
        self.worker_logs.append(log_file)
        with log_file.open("wb") as log:
            self.worker = subprocess.Popen(
                [sys.executable, "worker.py"], cwd=ROOT, env={**self.env, **env}, stdout=subprocess.DEVNULL, stderr=log
            )

        async def started() -> bool:
            assert self.worker is not None
            if self.worker.poll() is not None:
                raise AssertionError(f"worker.py exited with {self.worker.returncode}: {log_file.read_text()}")
            return any(line.get("event") == "worker.started" for line in log_lines(log_file))

        await eventually(started, bool, timeout=WORKER_START_SECONDS, what="worker.py to start")
        return log_file

    def kill_worker(self) -> None:
        assert self.worker is not None and self.worker.poll() is None
        self.worker.send_signal(signal.SIGKILL)
        assert self.worker.wait(timeout=10) == -signal.SIGKILL

    def stop_all(self) -> None:
        for process in (self.worker, self.server):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    # ---- the operator: the CLI as a process ----

    async def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "starter.py", *args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            raise
        assert process.returncode is not None
        return subprocess.CompletedProcess(list(args), process.returncode, out.decode(), err.decode())

    async def cli_json(self, *args: str) -> Any:
        done = await self.cli(*args, "--json")
        assert done.returncode == 0, f"starter.py {' '.join(args)}: {done.stderr}"
        return json.loads(done.stdout)

    # ---- the store, read with the repository functions on the processes' DATABASE_URL ----

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._engine is None:
            self._engine = make_engine(self.database_url)
        return make_session_factory(self._engine)

    async def accounts(self, account_ids: list[str]) -> dict[str, AccountView]:
        async with self.sessions() as session:
            return await repository.get_accounts(session, account_ids)

    async def attempts(self) -> list[AttemptView]:
        async with self.sessions() as session:
            return await repository.attempts_for(session, None)

    async def payments(self, account_ids: list[str]) -> dict[str, list[PaymentView]]:
        async with self.sessions() as session:
            return {a: await repository.payments_for(session, a) for a in account_ids}

    async def close_store(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a worker log (anything else, such as a traceback, is skipped)."""
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    """A dev server on loopback (state in tmp_path/temporal); the drill starts its workers. Stopped whatever happens."""
    running = Engine(tmp_path)
    try:
        await running.start_server()
        yield running
    finally:
        running.stop_all()
        await running.close_store()


def utc_now() -> datetime:
    return datetime.now(UTC)


def monotonic() -> float:
    return time.monotonic()


async def load_and_start(engine: Engine, portfolio_file: Path, count: int, prefix: str) -> Portfolio:
    """Load `count` fresh accounts and start every past-due account's workflow, as an operator would."""
    text, portfolio = portfolio_csv(prefix, count, utc_now())
    portfolio_file.write_text(text)
    loaded = await engine.cli_json("load", str(portfolio_file))
    assert loaded["inserted"] == count, loaded
    started = await engine.cli_json("start", "--all-past-due")
    assert sorted(started["started"]) == sorted(portfolio.balances), started
    return portfolio


def dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


async def send_payments(engine: Engine, portfolio: Portfolio, account_ids: list[str]) -> None:
    """Each account's full balance under its own reference, through the CLI (a few processes at a time)."""
    gate = asyncio.Semaphore(4)

    async def pay(account_id: str) -> None:
        amount = dollars(portfolio.balances[account_id])
        async with gate:
            done = await engine.cli(
                "event", "payment", account_id, "--amount", amount, "--reference", portfolio.reference(account_id)
            )
        assert done.returncode == 0, done.stderr
        assert f"payment {portfolio.reference(account_id)} sent to account {account_id}" in done.stdout, done.stdout

    await asyncio.gather(*(pay(a) for a in account_ids))


async def mid_batch(engine: Engine, portfolio: Portfolio) -> set[str]:
    """Wait until some accounts have a contact attempt; the accounts that have one."""

    async def contacted() -> set[str]:
        return {a.account_id for a in await engine.attempts()}

    return await eventually(contacted, bool, timeout=60, what="the first contact attempts")


async def wait_for_the_end_state(engine: Engine, portfolio: Portfolio, *, timeout: float) -> None:
    """Every payer `paid` in the store, every other account's validation notice sent."""
    ids = list(portfolio.balances)

    async def progress() -> dict[str, list[str]]:
        accounts = await engine.accounts(ids)
        noticed = {
            a.account_id for a in await engine.attempts() if a.validation_notice and a.status == AttemptStatus.SENT
        }
        return {
            "not_paid_yet": [a for a in portfolio.payers if accounts[a].stage != Stage.PAID],
            "no_notice_yet": [a for a in portfolio.others if a not in noticed],
        }

    await eventually(progress, lambda left: not any(left.values()), timeout=timeout, what="the end state")


async def assert_like_an_undisturbed_run(engine: Engine, portfolio: Portfolio, letters_file: Path) -> None:
    """What a run without crashes gives: end states, attempts once, notices once, payments once, letters once."""
    ids = list(portfolio.balances)
    accounts = await engine.accounts(ids)
    end = {a: (str(v.stage), v.balance_cents, v.payments_count) for a, v in accounts.items()}
    assert end == portfolio.expected_end()

    payments = await engine.payments(ids)
    for account_id in ids:
        expected = [portfolio.reference(account_id)] if account_id in portfolio.payers else []
        assert [p.reference for p in payments[account_id]] == expected, account_id
        assert sum(p.amount_cents for p in payments[account_id]) == portfolio.balances[account_id] - end[account_id][1]

    attempts = await engine.cli_json("attempts", "--all")
    numbers = [(row["account_id"], row["attempt"]) for row in attempts]
    assert len(numbers) == len(set(numbers)), "an attempt number was used twice"
    notices = Counter(row["account_id"] for row in attempts if row["template"] == "validation_notice")
    assert max(notices.values()) == 1, f"two validation notices: {notices}"
    assert set(portfolio.others) <= set(notices), "every account still worked has its validation notice"
    assert all(row["delivery"] == "sent" for row in attempts if row["template"] == "validation_notice"), attempts
    per_account: dict[str, list[int]] = {}
    for account_id, number in numbers:
        per_account.setdefault(account_id, []).append(number)
    for account_id, taken in per_account.items():
        assert sorted(taken) == list(range(1, len(taken) + 1)), f"attempt numbers of {account_id}: {taken}"

    exported = await engine.cli("outbox", "export", "--channel", "letter", "--file", str(letters_file))
    assert exported.returncode == 0, exported.stderr
    with letters_file.open(newline="") as handle:
        exported_keys = [row["attempt_key"] for row in csv.DictReader(handle)]
    letters = {attempt_key(row["account_id"], row["attempt"]) for row in attempts if row["channel"] == "letter"}
    assert len(exported_keys) == len(set(exported_keys)), "a letter was exported twice"
    assert set(exported_keys) == letters
    again = await engine.cli("outbox", "export", "--channel", "letter", "--file", str(letters_file.with_suffix(".2")))
    assert again.stdout.startswith("0 letter message(s) exported"), again.stdout

    async def listed() -> dict[str, tuple[str, int, str]]:
        rows = await engine.cli_json("list", "--limit", "1000")
        return {r["account_id"]: (r["stage"], r["balance_cents"], r["workflow_status"]) for r in rows}

    workflows = {
        a: (stage, balance, "completed" if stage == "paid" else "running")
        for a, (stage, balance, _) in portfolio.expected_end().items()
    }
    await eventually(listed, lambda seen: seen == workflows, timeout=20, what="the workflows to agree with the store")
