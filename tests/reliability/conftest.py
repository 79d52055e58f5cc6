"""The reliability drills' engine: a dev server and workers as processes that a drill kills, stops and restarts.

Like `engine_processes` in tests/e2e (loopback ports, the dev server's state in the test's folder,
the CLI as the operator), plus what a drill needs: start a worker late or throttled, SIGKILL it,
SIGTERM the dev server and start it again on the same port and data dir. The operator loads,
starts, exports and is refused through the CLI; bulk events and the checks go through the
operations layer the CLI calls and the store's repository functions on the processes'
DATABASE_URL (a CLI process costs 1.5 to 3 s of CPU on two cores).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client

from domain.contact import Channel
from domain.contact_messages import AttemptStatus, attempt_key
from domain.intake import ACCOUNT_COLUMNS
from domain.messages import PaymentInput
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops import account_workflows, views
from ops.context import OpsContext, open_context
from ops.demo import daytime_places
from ops.synthetic import PLACES
from service.config import load_settings
from service.payload_codec import data_converter
from store import repository
from store.db import make_engine, make_session_factory
from store.views import AccountView, AttemptView, PaymentView
from tests.e2e.test_operations_end_to_end import ROOT, free_port, operators_file
from tests.support.accounts import eventually
from workflows.account import AccountCollectionsWorkflow

RECENTLY_DUE = date.today() - timedelta(days=20)
"""Inside the demo strategy's thresholds: a new account starts in `contacting` and stays there for minutes
(its sixth attempt without contact, which refers it, comes about 100 s after the start)."""
SERVER_START_SECONDS = 60
WORKER_START_SECONDS = 30
END_STATE_SECONDS = 90
"""A SIGKILLed worker's activity is retried only after its start-to-close timeout (30 s): room for that."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass
class Portfolio:
    """The accounts a drill loads, who pays, and what an undisturbed run makes of them."""

    balances: dict[str, int]
    payers: list[str]

    @property
    def ids(self) -> list[str]:
        return sorted(self.balances)

    @property
    def others(self) -> list[str]:
        return [a for a in self.ids if a not in self.payers]

    def reference(self, account_id: str) -> str:
        return f"PAY-{account_id}"

    def expected_end(self) -> dict[str, tuple[str, int, int]]:
        """Stage, balance and payments count: each payer paid in full once, the others still worked."""
        return {
            a: ("paid", 0, 1) if a in self.payers else ("contacting", cents, 0) for a, cents in self.balances.items()
        }


def portfolio_csv(prefix: str, count: int, now: datetime) -> tuple[str, Portfolio]:
    """`count` accounts due recently, in zones where it is daytime now (as `make demo` picks them), so the
    gate lets their contacts through; every other account will pay."""
    places = daytime_places(now) or PLACES
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACCOUNT_COLUMNS)
    balances = {}
    for number in range(1, count + 1):
        account_id = f"{prefix}{number:03d}"
        balances[account_id] = 10_000 + 137 * number
        city, state, postal, zone, area = places[number % len(places)]
        writer.writerow([
            account_id, f"Debtor {number}", f"({area}) 555-{number:04d}", f"debtor{number}@example.com",
            f"{number} Main St", city, state, postal, zone,
            dollars(balances[account_id]), RECENTLY_DUE.isoformat(), "Northwind", "false", "card",
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
    store_url: str | None = None
    """The account store the processes use: a SQLite file in tmp_path unless a drill names another."""
    _store: AsyncEngine | None = None
    _client: Client | None = None

    @property
    def store_file(self) -> Path:
        return self.tmp_path / "store.db"

    @property
    def database_url(self) -> str:
        return self.store_url or f"sqlite+aiosqlite:///{self.store_file}"

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
            "OPERATORS_FILE": str(self.operators_file),
        }

    @property
    def operators_file(self) -> Path:
        """The CLI's OS user as a supervisor (the administrator's file), written once."""
        path = self.tmp_path / "operators.toml"
        if not path.exists():
            operators_file(path, "drill-supervisor", "supervisor")
        return path

    # ---- the dev server ----

    async def start_server(self) -> None:
        """Start it (again: same port, same data dir) and wait until it answers."""
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
            raise AssertionError(f"the dev server exited with {self.server.returncode}; see dev-server.log")
        try:
            client = await Client.connect(self.address)
            return await client.service_client.check_health()
        except Exception:  # noqa: BLE001 - anything short of an answer means not yet
            return False

    async def client(self) -> Client:
        """A client of the dev server with the engine's data converter (its payload key), kept for the drill."""
        if self._client is None:
            self._client = await Client.connect(self.address, data_converter=data_converter(self.env))
        return self._client

    def stop_server(self) -> int:
        """SIGTERM (`starter.py dev-server` execs the server, so it gets the signal) and wait for it to exit."""
        assert self.server is not None and self.server.poll() is None
        self.server.send_signal(signal.SIGTERM)
        return self.server.wait(timeout=30)

    # ---- the worker ----

    async def start_worker(self, **env: str) -> Path:
        """Start a worker (environment overrides in `env`), wait for `worker.started`; its log file."""
        log_file = self.spawn_worker(**env)
        await self.worker_started(log_file)
        return log_file

    def spawn_worker(self, **env: str) -> Path:
        """Start a worker without waiting for it; its log file."""
        assert self.worker is None or self.worker.poll() is not None, "a worker is already running"
        log_file = self.tmp_path / f"worker-{len(self.worker_logs) + 1}.log"
        self.worker_logs.append(log_file)
        with log_file.open("wb") as log:
            self.worker = subprocess.Popen(
                [sys.executable, "worker.py"], cwd=ROOT, env={**self.env, **env}, stdout=subprocess.DEVNULL, stderr=log
            )
        return log_file

    async def worker_log(self, log_file: Path) -> list[dict[str, Any]]:
        """The worker's JSON lines so far; it must still be running."""
        assert self.worker is not None
        if self.worker.poll() is not None:
            raise AssertionError(f"worker.py exited with {self.worker.returncode}: {log_file.read_text()}")
        return log_lines(log_file)

    async def worker_started(self, log_file: Path, timeout: float = WORKER_START_SECONDS) -> None:
        await eventually(
            lambda: self.worker_log(log_file),
            lambda lines: any(line.get("event") == "worker.started" for line in lines),
            timeout=timeout,
            what="worker.py to start",
        )

    def kill_worker(self) -> None:
        assert self.worker is not None and self.worker.poll() is None
        self.worker.send_signal(signal.SIGKILL)
        assert self.worker.wait(timeout=10) == -signal.SIGKILL

    def stop_worker(self) -> int:
        assert self.worker is not None and self.worker.poll() is None
        self.worker.send_signal(signal.SIGTERM)
        return self.worker.wait(timeout=30)

    def stop_all(self) -> None:
        for process in (self.worker, self.server):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    # ---- the operator: the CLI as a process, and the operations layer it calls ----

    async def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """`starter.py ARGS` as a process (through tests/support/cli.py: the same app, without the SDK's
        occasional abort at interpreter exit that would fail a drill for nothing)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.cli", *args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
        assert process.returncode is not None
        return subprocess.CompletedProcess(list(args), process.returncode, out.decode(), err.decode())

    async def cli_json(self, *args: str) -> Any:
        done = await self.cli(*args, "--json")
        assert done.returncode == 0, f"starter.py {' '.join(args)}: {done.stderr}"
        return json.loads(done.stdout)

    @asynccontextmanager
    async def operations(self) -> AsyncIterator[OpsContext]:
        settings = load_settings(
            temporal_address=self.address,
            database_url=self.database_url,
            collections_task_queue=self.env["COLLECTIONS_TASK_QUEUE"],
            collections_strategy=self.env["COLLECTIONS_STRATEGY"],
        )
        async with open_context(settings) as ctx:
            yield ctx

    # ---- the store, read with the repository functions ----

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._store is None:
            self._store = make_engine(self.database_url)
        return make_session_factory(self._store)

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
        if self._store is not None:
            await self._store.dispose()
            self._store = None


def log_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a worker log (anything else, say a traceback from the SDK's core, is skipped)."""
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


@asynccontextmanager
async def running_engine(tmp_path: Path, store_url: str | None = None) -> AsyncIterator[Engine]:
    """A dev server on a loopback port (state in tmp_path/temporal); the drill starts its workers."""
    running = Engine(tmp_path, store_url=store_url)
    try:
        await running.start_server()
        yield running
    finally:
        running.stop_all()
        await running.close_store()


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    """The engine on a SQLite store in tmp_path."""
    async with running_engine(tmp_path) as running:
        yield running


# ---- the steps every drill shares ----


async def load_and_start(engine: Engine, portfolio_file: Path, count: int, prefix: str) -> Portfolio:
    """Load `count` fresh accounts and start every past-due account's workflow, as an operator does."""
    text, portfolio = portfolio_csv(prefix, count, utc_now())
    portfolio_file.write_text(text)
    loaded = await engine.cli_json("load", str(portfolio_file))
    assert loaded["inserted"] == count, loaded
    started = await engine.cli_json("start", "--all-past-due")
    assert sorted(started["started"]) == portfolio.ids, started
    return portfolio


async def first_contacts(engine: Engine) -> set[str]:
    """Wait for the first contact attempts of the batch (polled fast: the batch takes a second or two)."""

    async def contacted() -> set[str]:
        return {a.account_id for a in await engine.attempts()}

    return await eventually(contacted, bool, timeout=60, what="the first contact attempts", every=0.02)


async def send_payments(engine: Engine, portfolio: Portfolio) -> None:
    """Each payer's full balance under its own reference, through the operations layer the CLI calls."""
    today = utc_now().date().isoformat()
    async with engine.operations() as ctx:
        for account_id in portfolio.payers:
            reference = portfolio.reference(account_id)
            payment = PaymentInput(portfolio.balances[account_id], reference, today)
            sent = await account_workflows.send_payment(ctx, account_id, payment)
            assert sent == f"payment {reference} sent to account {account_id}", sent


async def pay_as_a_feed(engine: Engine, portfolio: Portfolio) -> None:
    """Each payer's full balance as a payment signal straight to its workflow, as from a payment feed
    (the store is not asked first, so this works while it is down), the last one sent twice."""
    client = await engine.client()
    today = utc_now().date().isoformat()
    for account_id in portfolio.payers:
        handle = client.get_workflow_handle(workflow_id_for(account_id))
        payment = PaymentInput(portfolio.balances[account_id], portfolio.reference(account_id), today)
        await handle.signal(AccountCollectionsWorkflow.payment, payment)
    await handle.signal(AccountCollectionsWorkflow.payment, payment)


async def pending_activities(engine: Engine, account_ids: list[str]) -> dict[str, list[PendingActivityInfo]]:
    """What each workflow's activities are doing as the server sees it: state, attempt, last failure."""
    client = await engine.client()
    pending = {}
    for account_id in account_ids:
        description = await client.get_workflow_handle(workflow_id_for(account_id)).describe()
        pending[account_id] = list(description.raw_description.pending_activities)
    return pending


async def attempts_of(engine: Engine, account_ids: list[str], activity: str) -> dict[str, list[int]]:
    """The attempt numbers of each workflow's pending activities of one type (running or waiting to retry)."""
    pending = await pending_activities(engine, account_ids)
    return {a: [p.attempt for p in infos if p.activity_type.name == activity] for a, infos in pending.items()}


def store_warnings(lines: list[dict[str, Any]], activity: str) -> dict[str, list[dict[str, Any]]]:
    """The worker's `store.unavailable` lines for one activity type, by account."""
    by_account: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        if line["event"] == "store.unavailable" and line.get("activity") == activity:
            by_account.setdefault(line["account_id"], []).append(line)
    return by_account


async def wait_for_the_end_state(engine: Engine, portfolio: Portfolio, *, timeout: float = END_STATE_SECONDS) -> None:
    """Every payer `paid` in the store, every other account's validation notice sent."""

    async def left() -> dict[str, list[str]]:
        accounts = await engine.accounts(portfolio.ids)
        notices = {
            a.account_id for a in await engine.attempts() if a.validation_notice and a.status == AttemptStatus.SENT
        }
        return {
            "not paid yet": [a for a in portfolio.payers if accounts[a].stage != Stage.PAID],
            "no notice yet": [a for a in portfolio.others if a not in notices],
        }

    await eventually(left, lambda todo: not any(todo.values()), timeout=timeout, what="the end state")


async def assert_like_an_undisturbed_run(engine: Engine, portfolio: Portfolio, letters_file: Path) -> None:
    """What a run without failures gives: the end states, each attempt and validation notice once, each
    payment reference once, each letter exported once, and the workflows agreeing with the store."""
    accounts = await engine.accounts(portfolio.ids)
    end = {a: (str(v.stage), v.balance_cents, v.payments_count) for a, v in accounts.items()}
    assert end == portfolio.expected_end()

    payments = await engine.payments(portfolio.ids)
    for account_id in portfolio.ids:
        expected = [portfolio.reference(account_id)] if account_id in portfolio.payers else []
        assert [p.reference for p in payments[account_id]] == expected, account_id
        collected = sum(p.amount_cents for p in payments[account_id])
        assert collected == portfolio.balances[account_id] - end[account_id][1], account_id

    attempts = await engine.attempts()
    numbers = [(a.account_id, a.attempt_no) for a in attempts]
    assert len(numbers) == len(set(numbers)), "an attempt number was used twice"
    for account_id in portfolio.ids:
        taken = sorted(n for a, n in numbers if a == account_id)
        assert taken == list(range(1, len(taken) + 1)), f"attempt numbers of {account_id}: {taken}"
    notices = Counter(a.account_id for a in attempts if a.validation_notice)
    assert set(notices.values()) == {1}, f"an account with two validation notices: {notices}"
    assert set(portfolio.others) <= set(notices), "every account still worked has its validation notice"
    assert {a.status for a in attempts if a.validation_notice} == {AttemptStatus.SENT}

    exported = await engine.cli("outbox", "export", "--channel", "letter", "--file", str(letters_file))
    assert exported.returncode == 0, exported.stderr
    with letters_file.open(newline="") as handle:
        exported_keys = [row["attempt_key"] for row in csv.DictReader(handle)]
    letters = {attempt_key(a.account_id, a.attempt_no) for a in attempts if a.channel == Channel.LETTER}
    assert len(exported_keys) == len(set(exported_keys)), "a letter was exported twice"
    assert set(exported_keys) == letters, "the outbox's letters are the letter attempts"
    async with engine.sessions() as session:
        outbox = await repository.outbox_entries(session, channel=Channel.LETTER)
    assert sorted(row.attempt_key for row in outbox) == sorted(exported_keys), "one outbox row per letter"
    assert all(row.exported_at is not None for row in outbox), "and none left for a second file"

    workflows = {
        a: (stage, balance, "completed" if stage == "paid" else "running")
        for a, (stage, balance, _) in portfolio.expected_end().items()
    }
    async with engine.operations() as ctx:

        async def listed() -> dict[str, tuple[str, int, str]]:
            rows = await views.list_accounts(ctx, stage=None, limit=1000)
            return {r["account_id"]: (r["stage"], r["balance_cents"], r["workflow_status"]) for r in rows}

        await eventually(
            listed, lambda seen: seen == workflows, timeout=20, what="the workflows to agree with the store"
        )
