"""The store under the load of every process at once: worker activities, the dashboard and CLI events.

For each store (a SQLite file, then a fresh PostgreSQL database as the baseline) on one dev server:
`worker.py` and `starter.py web` run as processes on the store, N demo accounts (the `demo` strategy:
its cadence in seconds, so letters, emails and calls keep the worker writing) are loaded and started,
and for `--seconds` at once:

- **payment events** as `starter.py event payment` sends them (`ops.account_workflows.send_payment`, in
  this process): one every `--every` seconds to a random account; for each, the time the command took
  (*accepted*) and the time until the worker's activity has recorded it in the store (*recorded*);
- **the dashboard**: two readers loading `/` and an account's page, one after another, signed in;
- **reads as the CLI does**: an account and its attempts, one after another;
- **the CLI as a process**: `starter.py status ID` every 10 s, each must exit 0.

Reported per store: events and their p50/p99 latencies, dashboard p50/p99, errors; "database is locked"
anywhere (the worker's and the web service's logs, this process) must be 0. The ratio is SQLite's p99
to PostgreSQL's under the same load on the same server.

    .venv/bin/python bench/store_contention.py [--quick] [--n 200] [--seconds 120] [--every 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from _support import (
    Skip,
    Store,
    console,
    dev_server,
    figures_table,
    note,
    parse_args,
    postgres_store,
    ratio,
    run_main,
    run_part,
    sqlite_store,
)
from temporalio.testing import WorkflowEnvironment

from domain.intake import parse_accounts_csv
from domain.messages import PaymentInput
from ops import account_workflows
from ops.context import OpsContext, open_context
from ops.demo import daytime_places
from ops.mail_sink import MailSink
from ops.operators import add_operator, os_user
from ops.synthetic import PLACES, synthetic_portfolio_csv
from service.config import load_settings
from store import repository
from web.tokens import Role, issue_token

ROOT = Path(__file__).resolve().parent.parent
LOCKED = "database is locked"


@dataclass
class Figures:
    store: str
    accepted: list[float] = field(default_factory=list)
    recorded: list[float] = field(default_factory=list)
    dashboard: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    cli_runs: int = 0
    errors: list[str] = field(default_factory=list)
    locked: int = 0


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _ms(value: float) -> str:
    return f"{value * 1000:,.0f} ms"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def operators_file(folder: Path) -> Path:
    return folder / "operators.toml"


@asynccontextmanager
async def _processes(
    store: Store, env: WorkflowEnvironment, folder: Path, queue: str
) -> AsyncIterator[tuple[str, str]]:
    """worker.py and `starter.py web` on the store; yields the dashboard's address and a supervisor token."""
    mail = MailSink().start()
    web_port = _free_port()
    tokens = folder / "tokens.toml"
    token = issue_token(tokens, "bench", Role.SUPERVISOR)
    add_operator(operators_file(folder), os_user(), "bench", Role.SUPERVISOR)  # who `starter.py status` acts as
    common = {
        **os.environ,
        "DATABASE_URL": store.url,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "COLLECTIONS_TASK_QUEUE": queue,
        "COLLECTIONS_STRATEGY": "demo",
        "LOG_FORMAT": "json",
        "OPERATORS_FILE": str(operators_file(folder)),
    }
    worker_env = {**common, "SMTP_HOST": mail.host, "SMTP_PORT": str(mail.port)}
    web_env = {**common, "WEB_PORT": str(web_port), "API_TOKENS_FILE": str(tokens)}
    logs = {name: (folder / f"{name}.log").open("wb") for name in ("worker", "web")}
    started = [
        subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=worker_env, stdout=logs["worker"],
                         stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, str(ROOT / "starter.py"), "web"], env=web_env, stdout=logs["web"],
                         stderr=subprocess.STDOUT),
    ]  # fmt: skip
    address = f"http://127.0.0.1:{web_port}"
    try:
        async with httpx.AsyncClient(base_url=address) as client:
            for _ in range(240):
                try:
                    if (await client.get("/login")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if any(p.poll() is not None for p in started):
                    raise RuntimeError(f"a process exited at start-up; see {folder}")
                await asyncio.sleep(0.25)
        yield address, token
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()
        mail.stop()


async def _load(ctx: OpsContext, count: int, prefix: str) -> list[str]:
    today = datetime.now(UTC).date()
    csv = synthetic_portfolio_csv(
        count, seed=11, as_of=today, prefix=prefix, places=daytime_places(datetime.now(UTC)) or PLACES
    )
    records = [r for r in parse_accounts_csv(csv) if r.due_date < today]
    async with ctx.sessions() as session, session.begin():
        await repository.upsert_accounts(session, records, now=datetime.now(UTC))
    return [record.account_id for record in records]


async def _until(stop: float, action: Callable[[], Awaitable[None]], figures: Figures, what: str) -> None:
    while time.monotonic() < stop:
        try:
            await action()
        except Exception as err:  # counted and reported, the load goes on
            message = f"{what}: {type(err).__name__}: {(str(err).splitlines() or [''])[0]}"
            figures.errors.append(message)
            figures.locked += LOCKED in message


async def _measure(store: Store, env: WorkflowEnvironment, *, accounts: int, seconds: float, every: float) -> Figures:
    figures = Figures(store.kind)
    queue = f"contention-{store.kind.lower()}"
    settings = load_settings().model_copy(update={
        "database_url": store.url, "temporal_address": env.client.service_client.config.target_host,
        "collections_task_queue": queue, "collections_strategy": "demo",
    })  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="collections-contention-"))  # kept when something went wrong
    async with open_context(settings) as ctx, _processes(store, env, folder, queue) as (address, token):
        ids = await _load(ctx, accounts, prefix=f"{store.kind[0]}{int(time.time()) % 100000}-")
        await account_workflows.start_accounts(ctx, ids)
        note(f"{store.kind}: {len(ids)} accounts started; {seconds:.0f} s of load")
        rng = random.Random(3)
        stop = time.monotonic() + seconds
        sent: dict[str, float] = {}
        today = date.today().isoformat()

        async def pay() -> None:
            account = rng.choice(ids)
            reference = f"bench-{len(sent)}-{account}"
            began = time.monotonic()
            await account_workflows.send_payment(ctx, account, PaymentInput(100, reference, today))
            figures.accepted.append(time.monotonic() - began)
            sent[reference] = began
            await asyncio.sleep(max(0.0, every - (time.monotonic() - began)))

        async def watch_recorded() -> None:
            async with ctx.sessions() as session:
                for reference in [r for r in sent if r not in recorded]:
                    if await repository.payment_by_reference(session, reference) is not None:
                        recorded[reference] = time.monotonic()
                        figures.recorded.append(recorded[reference] - sent[reference])
            await asyncio.sleep(0.05)

        async def look(client: httpx.AsyncClient) -> None:
            began = time.monotonic()
            for path in ("/", f"/accounts/{rng.choice(ids)}"):
                page = await client.get(path)
                if page.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {page.status_code}: {page.text[:200]}")
            figures.dashboard.append(time.monotonic() - began)

        async def read() -> None:
            began = time.monotonic()
            async with ctx.sessions() as session:
                account = rng.choice(ids)
                await repository.get_account(session, account)
                await repository.attempts_for(session, account)
            figures.reads.append(time.monotonic() - began)
            await asyncio.sleep(0.05)

        async def cli() -> None:
            cli_env = {**os.environ, "DATABASE_URL": store.url, "TEMPORAL_ADDRESS": settings.temporal_address,
                       "COLLECTIONS_TASK_QUEUE": queue, "COLLECTIONS_STRATEGY": "demo",
                       "OPERATORS_FILE": str(operators_file(folder))}  # fmt: skip
            done = await asyncio.to_thread(
                subprocess.run, [sys.executable, str(ROOT / "starter.py"), "status", rng.choice(ids)],
                env=cli_env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            figures.cli_runs += 1
            if done.returncode != 0:
                raise RuntimeError(f"status exited {done.returncode}: {done.stderr.strip()[-300:]}")
            await asyncio.sleep(10)

        recorded: dict[str, float] = {}
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=address, headers=headers, timeout=120) as web_a, \
                httpx.AsyncClient(base_url=address, headers=headers, timeout=120) as web_b:  # fmt: skip
            await asyncio.gather(
                _until(stop, pay, figures, "payment"),
                _until(stop + 30, watch_recorded, figures, "store read"),
                _until(stop, lambda: look(web_a), figures, "dashboard"),
                _until(stop, lambda: look(web_b), figures, "dashboard"),
                _until(stop, read, figures, "read"),
                _until(stop, cli, figures, "cli"),
            )
        missing = len(sent) - len(recorded)
        if missing:
            figures.errors.append(f"{missing} payment(s) not recorded within 30 s of the end")
    for log in ("worker", "web"):
        count = (folder / f"{log}.log").read_text(errors="replace").count(LOCKED)
        figures.locked += count
    if figures.locked or figures.errors:
        figures.errors.append(f"the worker's and the web service's logs are in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def _row(f: Figures) -> list[str]:
    return [
        f.store, str(len(f.accepted)), _ms(_percentile(f.accepted, 0.5)), _ms(_percentile(f.accepted, 0.99)),
        _ms(_percentile(f.recorded, 0.5)), _ms(_percentile(f.recorded, 0.99)),
        _ms(_percentile(f.dashboard, 0.5)), _ms(_percentile(f.dashboard, 0.99)), str(len(f.reads)),
        str(f.cli_runs), str(len(f.errors)), str(f.locked),
    ]  # fmt: skip


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=None, help="length of the load (default 120; --quick: 20)")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between payment events (default 0.5)")


async def main() -> int:
    args = parse_args(
        "The store under worker, dashboard and CLI load at once: SQLite against PostgreSQL.",
        default_n=200, quick_n=30, n_help="accounts started", n_aliases=["--accounts"], extra=_extra,
    )  # fmt: skip
    seconds = args.seconds or (20.0 if args.quick else 120.0)
    results: list[Figures] = []

    async def part(store_context: Callable[[], object]) -> None:
        async with store_context() as store, dev_server() as env:  # type: ignore[attr-defined]
            results.append(await _measure(store, env, accounts=args.n, seconds=seconds, every=args.every))

    ok = await run_part("SQLite", lambda: part(sqlite_store), show_traceback=args.traceback)
    ok &= await run_part("PostgreSQL", lambda: part(postgres_store), show_traceback=args.traceback)
    for figures in results:
        for error in figures.errors[:5]:
            console.print(f"[red]{figures.store}:[/] {error}")
    if not results:
        raise Skip("no store could be measured")
    figures_table(
        f"store contention: {args.n} accounts, {seconds:.0f} s, a payment every {args.every} s",
        ["store", "payments", "accepted p50", "accepted p99", "recorded p50", "recorded p99", "dashboard p50",
         "dashboard p99", "reads", "CLI runs", "errors", "locked"],
        [_row(f) for f in results],
        caption="accepted: the event command's time; recorded: until the worker's activity has it in the store; "
        "dashboard: / and an account page",
    )  # fmt: skip
    if len(results) == 2:
        sqlite, postgres = results
        ratios = {
            what: ratio(_percentile(getattr(sqlite, what), 0.99) / _percentile(getattr(postgres, what), 0.99))
            for what in ("accepted", "recorded", "dashboard")
        }
        console.print("SQLite / PostgreSQL, p99: " + ", ".join(f"{what} {value}" for what, value in ratios.items()))
    failed = not ok or any(f.locked or f.errors for f in results)
    return 1 if failed else 0


if __name__ == "__main__":
    run_main(main)
