"""`starter.py simulate`: a synthetic portfolio through the real workflows and activities on the time-skipping server.

The day grid: the portfolio starts at 21:00 UTC; each simulated day the store is read at 09:00 UTC
(when no US contact can fall due) and the debtors' events are sent at 10:00 UTC. Every behaviour
draw is keyed by seed and account (domain.debtor_model), so a seed gives the same outcome.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import debtor_model as model
from domain.stages import Stage
from ops import account_workflows
from ops.accounts import load_accounts_file
from ops.context import OpsContext
from ops.csv_files import csv_text
from ops.errors import OpsError
from ops.simulation_debtors import Run, plan_lives, read_calls, read_resolutions, send_actions
from ops.simulation_view import attempt_rows
from ops.strategies import load_strategy
from ops.synthetic import synthetic_portfolio_csv
from service.config import Settings
from service.dev_server import SERVER_STARTUP_TIMEOUT, bundled_executable
from service.temporal import register_search_attributes
from store.db import SQLITE_BUSY_TIMEOUT_MS, ensure_schema, make_engine, make_session_factory
from store.models import AccountRow, ContactAttemptRow, PaymentRow, PromiseRow
from worker_wiring import WORKFLOWS, all_activities
from workflows import workflow_runner

READ_AT, EVENTS_AT, START_AT = 9, 10, 21
"""UTC hours of the day grid."""
ACTIVITY_CONCURRENCY = 20
"""Few activities in flight at once: each finishes quickly, far inside its start-to-close timeout."""
SKIP_TIMEOUT = timedelta(minutes=30)


@dataclass
class SimulationReport:
    strategy: str
    accounts: int
    days: int
    seed: int
    by_stage: dict[str, int]
    collected_cents: int
    cure_rate: float
    promise_kept_rate: float | None
    right_party_contact_rate: float
    avg_days_to_resolution: float | None
    attempts_by_channel: dict[str, int]
    blocks_by_rule: dict[str, int]
    wall_seconds: float = 0.0
    account_days_per_second: float = 0.0


MOVED_SHARE = 0.2
ELSEWHERE = ("212", "213", "808", "907", "671", "787")
"""Area codes of a mobile kept after a move: New York, Los Angeles, Hawaii, Alaska, Guam, Puerto Rico."""


def with_phones_from_elsewhere(portfolio_csv: str, seed: int) -> str:
    """A share of the debtors (drawn by seed and row) keep a mobile from elsewhere: an address in one zone,
    a phone in another, so the gate must keep to the hours of both (1006.6(b)(1)(i), comment 6(b)(1)(i)-1)."""
    header, *rows = csv.reader(io.StringIO(portfolio_csv))
    phone = header.index("phone")
    for number, row in enumerate(rows, start=1):
        draw = random.Random(f"{seed}:{number}:moved")
        if draw.random() < MOVED_SHARE and row[phone].startswith("("):
            row[phone] = f"({draw.choice(ELSEWHERE)}) {row[phone][6:]}"
    return csv_text(header, rows, lineterminator="\n")


def _next_utc_hour(now: datetime, hour: int) -> datetime:
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


async def sleep_until_hour(env: WorkflowEnvironment, hour: int) -> datetime:
    """Skip the server's clock to the hour; a busy day may take minutes of real time to play out."""
    now = await env.get_current_time()
    return await _skip(env, now, _next_utc_hour(now, hour))


async def _skip(env: WorkflowEnvironment, now: datetime, target: datetime) -> datetime:
    request = SleepRequest()
    request.duration.FromTimedelta(target - now)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=SKIP_TIMEOUT)
    return target


def _quiet_runtime() -> Runtime:
    """The SDK core's own console lines (warnings about the test server) would mix into `--json` output."""
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet)))


@asynccontextmanager
async def simulation_server() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server (the bundled binary) with the engine's search attributes."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=str(bundled_executable("temporal-test-server")),
        runtime=_quiet_runtime(),
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


def simulation_worker(
    env: WorkflowEnvironment, task_queue: str, *, workflows: Sequence[type], activities: Sequence[Callable[..., Any]]
) -> Worker:
    """The simulation's worker settings (bench/simulation_speed.py runs its baseline with the same)."""
    return Worker(
        env.client, task_queue=task_queue, workflows=workflows, workflow_runner=workflow_runner(),
        activities=activities, max_concurrent_activities=ACTIVITY_CONCURRENCY,
        max_concurrent_local_activities=ACTIVITY_CONCURRENCY,
    )  # fmt: skip


DayStep = Callable[[int], Awaitable[None]]


async def play_days(
    env: WorkflowEnvironment, days: int, *, read: DayStep, send: DayStep, on_day: Callable[[], None]
) -> None:
    """The day grid from START_AT: each day skip to READ_AT, `read(day)`, skip to EVENTS_AT, `send(day)`;
    after the last day, skip to the next READ_AT (the caller reads the outcome)."""
    for day in range(1, days + 1):
        await sleep_until_hour(env, READ_AT)
        await read(day)
        await sleep_until_hour(env, EVENTS_AT)
        await send(day)
        on_day()
    await sleep_until_hour(env, READ_AT)


DEFAULT_CHUNK = 100
"""Accounts per time-skipping server: its cost per task grows with the tasks it has served, so a run is
split into chunks of this many accounts, one fresh server each (bench/README.md, simulation_speed.py)."""
MAX_CHUNK = 1000


class CrossedStart(OpsError):
    """A later chunk's server started after the run's 21:00 UTC start: its accounts would start a day late."""


async def simulate(
    settings: Settings,
    *,
    accounts: int,
    days: int,
    seed: int,
    strategy: str,
    rates: model.BehaviourRates,
    chunk: int = DEFAULT_CHUNK,
    on_day: Callable[[], None] = lambda: None,
    on_chunk: Callable[[int, int], None] = lambda number, of: None,
    attempts: list[list[object]] | None = None,
) -> SimulationReport:
    """One strategy over a synthetic portfolio, `chunk` accounts at a time, each chunk on its own fresh
    time-skipping server from the same 21:00 UTC start (`on_chunk(number, of)` before each, `on_day()` after
    each of its days); one report over all. With `attempts`, every attempt of the run (and its account's
    facts: ops/contact_audit.py COLUMNS) is appended to it, for `--attempts FILE`."""
    began = time.monotonic()
    load_strategy(strategy)  # a broken strategy fails before anything starts
    if not 1 <= chunk <= MAX_CHUNK:
        raise ValueError(f"chunk must be between 1 and {MAX_CHUNK}, not {chunk}")
    await ensure_schema(settings.database_url)
    engine = make_engine(settings.database_url, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
    sessions = make_session_factory(engine)
    prefix = f"S{seed}-{strategy}-{uuid.uuid4().hex[:4]}-"
    resolved_on: dict[str, int] = {}
    chunks = -(-accounts // chunk)
    start: datetime | None = None
    header: list[str] = []
    rows: list[list[str]] = []
    try:
        for number in range(1, chunks + 1):
            on_chunk(number, chunks)
            async with simulation_server() as env:
                start = await _skip_to_start(env, start)
                if not rows:  # drawn once for the whole portfolio: a row is the same in any chunk
                    portfolio = synthetic_portfolio_csv(accounts, seed=seed, as_of=start.date(), prefix=prefix)
                    header, *rows = csv.reader(io.StringIO(with_phones_from_elsewhere(portfolio, seed)))
                part = rows[(number - 1) * chunk : number * chunk]
                run = Run(prefix, env, seed, rates, days, resolved_on=resolved_on)
                await _simulate(run, settings, sessions, strategy, (header, part), start, on_day)
        if attempts is not None:
            attempts.extend(await attempt_rows(sessions, prefix, load_strategy(strategy)))
        report = await _report(sessions, prefix, resolved_on, strategy, accounts, days, seed)
    finally:
        await engine.dispose()
    report.wall_seconds = round(time.monotonic() - began, 1)
    report.account_days_per_second = round(accounts * days / max(report.wall_seconds, 0.001), 1)
    return report


async def _skip_to_start(env: WorkflowEnvironment, start: datetime | None) -> datetime:
    """The first chunk starts at the next 21:00 UTC; every later chunk's fresh server skips to that same start."""
    if start is None:
        return await sleep_until_hour(env, START_AT)
    now = await env.get_current_time()
    if now >= start:
        raise CrossedStart(f"the run crossed its start ({start:%Y-%m-%d %H:%M} UTC) between chunks: run it again")
    return await _skip(env, now, start)


async def _simulate(
    run: Run, settings: Settings, sessions: Any, strategy: str, portfolio: tuple[list[str], list[list[str]]],
    start: datetime, on_day: Callable[[], None],
) -> None:  # fmt: skip
    """One chunk: load its rows, start its workflows, play the day grid on its server."""
    header, rows = portfolio
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "portfolio.csv"
        path.write_text(csv_text(header, rows, lineterminator="\n"))
        await load_accounts_file(path, settings.database_url)
    ids = [row[header.index("account_id")] for row in rows]
    queue = f"simulate-{uuid.uuid4().hex[:8]}"
    run_settings = settings.model_copy(update={"collections_strategy": strategy, "collections_task_queue": queue})
    ctx = OpsContext(run_settings, run.env.client, sessions, load_strategy(strategy))
    run.debtors = {a: model.debtor(run.seed, a.removeprefix(run.prefix), run.rates, run.days) for a in ids}
    plan_lives(run, start.date().isoformat())

    async def read(day: int) -> None:
        await read_calls(run, sessions, day)
        await read_resolutions(run, sessions, day)

    async def send(day: int) -> None:
        await send_actions(run, run.agenda.pop(day, []))

    async with simulation_worker(run.env, queue, workflows=WORKFLOWS, activities=all_activities(sessions, None)):
        await account_workflows.start_accounts(ctx, ids)
        await play_days(run.env, run.days, read=read, send=send, on_day=on_day)
        await read_resolutions(run, sessions, run.days + 1)


async def _report(
    sessions: Any, prefix: str, resolved_on: dict[str, int], strategy: str, accounts: int, days: int, seed: int
) -> SimulationReport:
    """The run's figures from the store, over every chunk's accounts (they share the run's prefix)."""
    mine, paid = AccountRow.account_id.like(f"{prefix}%"), PaymentRow.account_id.like(f"{prefix}%")
    async with sessions() as session:
        stages = dict(
            (await session.execute(select(AccountRow.stage, func.count()).where(mine).group_by(AccountRow.stage))).all()
        )
        collected = await session.scalar(select(func.coalesce(func.sum(PaymentRow.amount_cents), 0)).where(paid))
        promise_rows = dict((await session.execute(
            select(PromiseRow.status, func.count()).where(PromiseRow.account_id.like(f"{prefix}%"))
            .group_by(PromiseRow.status)
        )).all())  # fmt: skip
        attempts = ContactAttemptRow.account_id.like(f"{prefix}%")
        by_channel = dict((await session.execute(
            select(ContactAttemptRow.channel, func.count()).where(attempts)
            .where(ContactAttemptRow.status.in_(("sent", "unconfirmed"))).group_by(ContactAttemptRow.channel)
        )).all())  # fmt: skip
        blocks = dict((await session.execute(
            select(ContactAttemptRow.rule, func.count()).where(attempts, ContactAttemptRow.status == "blocked")
            .group_by(ContactAttemptRow.rule)
        )).all())  # fmt: skip
        reached = await session.scalar(
            select(func.count(func.distinct(ContactAttemptRow.account_id))).where(
                attempts, ContactAttemptRow.outcome == "right_party_contact"
            )
        )
    by_stage = {str(stage): count for stage, count in stages.items() if stage is not None}
    cured = by_stage.get(Stage.PAID.value, 0) + by_stage.get(Stage.SETTLED.value, 0)
    judged = promise_rows.get("kept", 0) + promise_rows.get("broken", 0)
    resolved = list(resolved_on.values())
    return SimulationReport(
        strategy=strategy, accounts=accounts, days=days, seed=seed, by_stage=dict(sorted(by_stage.items())),
        collected_cents=int(collected or 0), cure_rate=round(cured / accounts, 4),
        promise_kept_rate=round(promise_rows.get("kept", 0) / judged, 4) if judged else None,
        right_party_contact_rate=round((reached or 0) / accounts, 4),
        avg_days_to_resolution=round(sum(resolved) / len(resolved), 1) if resolved else None,
        attempts_by_channel=dict(sorted(by_channel.items())),
        blocks_by_rule=dict(sorted((str(k), v) for k, v in blocks.items())),
    )  # fmt: skip
