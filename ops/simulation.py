"""`starter.py simulate`: a synthetic portfolio through the real workflows and activities on the time-skipping server.

The day grid: the portfolio starts at 21:00 UTC; each simulated day the store is read at 09:00 UTC
(when no US contact can fall due) and the debtors' events are sent at 10:00 UTC. Every behaviour
draw is keyed by seed and account (domain.debtor_model), so a seed gives the same outcome.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import debtor_model as model
from domain import holds, messages
from domain.messages import ContactOutcomeInput, HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput, ProbateInput
from domain.negotiation_messages import PromiseInput
from domain.stages import Stage
from domain.workflow_contract import STATUS_QUERY, workflow_id_for
from ops import account_workflows
from ops.accounts import load_accounts_file
from ops.context import OpsContext
from ops.csv_files import csv_text
from ops.errors import OpsError
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
SIGNAL_CONCURRENCY = 50
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


Action = Callable[["_Run"], Awaitable[Any]]


@dataclass
class _Run:
    prefix: str
    env: WorkflowEnvironment
    seed: int
    rates: model.BehaviourRates
    days: int
    debtors: dict[str, model.Debtor] = field(default_factory=dict)
    agenda: dict[int, list[Action]] = field(default_factory=lambda: defaultdict(list))
    last_attempt_id: int = 0
    resolved_on: dict[str, int] = field(default_factory=dict)


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
    target = _next_utc_hour(now, hour)
    request = SleepRequest()
    request.duration.FromTimedelta(target - now)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=SKIP_TIMEOUT)
    return target


def _signal(account_id: str, name: str, argument: object) -> Action:
    async def send(run: _Run) -> None:
        try:
            await run.env.client.get_workflow_handle(workflow_id_for(account_id)).signal(name, argument)
        except Exception:  # noqa: BLE001 - a debtor's event for an account already closed changes nothing
            return

    return send


def _plan_lives(run: _Run, today: str) -> None:
    """Self-cures, disputes, bankruptcies and deaths: placed on the agenda up front."""
    for account_id, debtor in run.debtors.items():
        day, end = debtor.life_day, debtor.life_day + debtor.resolution_days
        match debtor.life:
            case model.Life.SELF_CURE:
                run.agenda[day].append(_pay_in_full(account_id, "CURE"))
            case model.Life.DISPUTE:
                run.agenda[day].append(_signal(account_id, "place_hold", holds.dispute_hold(
                    f"SIM-DSP-{account_id}", reason="simulated dispute")))  # fmt: skip
                outcome = HoldOutcome.UPHELD if debtor.resolves_for_debtor else HoldOutcome.VERIFIED
                run.agenda[end].append(_signal(account_id, "release_hold", HoldReleaseInput(
                    f"SIM-DSP-{account_id}", outcome)))  # fmt: skip
            case model.Life.BANKRUPTCY:
                run.agenda[day].append(_bankruptcy(account_id))
                outcome = HoldOutcome.RESUME if debtor.resolves_for_debtor else HoldOutcome.DISCHARGE
                run.agenda[end].append(_signal(account_id, "release_hold", HoldReleaseInput(
                    outcome=outcome, kind=HoldKind.BANKRUPTCY)))  # fmt: skip
            case model.Life.DEATH:
                run.agenda[day].append(_signal(account_id, "place_hold", holds.deceased_hold(
                    f"SIM-RIP-{account_id}", date_of_death=today)))  # fmt: skip
                run.agenda[end].append(_estate(account_id, pays=debtor.resolves_for_debtor))


def _bankruptcy(account_id: str) -> Action:
    async def file(run: _Run) -> None:
        filed_on = (await run.env.get_current_time()).date().isoformat()
        petition = holds.bankruptcy_hold(f"SIM-BK-{account_id}", chapter="7", filed_on=filed_on)
        await _signal(account_id, "place_hold", petition)(run)

    return file


def _pay_in_full(account_id: str, tag: str, share: float = 1.0) -> Action:
    async def pay(run: _Run) -> None:
        status = await _status(run, account_id)
        if status is None or status.balance_cents <= 0 or status.stage.is_terminal:
            return
        cents = max(1, int(status.balance_cents * share))
        received = (await run.env.get_current_time()).date().isoformat()
        source = holds.ESTATE_SOURCE if tag == "ESTATE" else "debtor"
        await _signal(account_id, "payment", PaymentInput(cents, f"SIM-{tag}-{account_id}", received, source))(run)

    return pay


def _estate(account_id: str, *, pays: bool) -> Action:
    async def settle(run: _Run) -> None:
        deadline = ((await run.env.get_current_time()).date() + timedelta(days=120)).isoformat()
        probate = ProbateInput("Estate Representative", deadline, email=f"estate-{account_id}@example.com")
        await _signal(account_id, "probate", probate)(run)
        if pays:
            await _pay_in_full(account_id, "ESTATE", share=0.5)(run)
        else:
            await _signal(account_id, "release_hold", HoldReleaseInput(
                outcome=HoldOutcome.WRITE_OFF, kind=HoldKind.DECEASED))(run)  # fmt: skip

    return settle


async def _status(run: _Run, account_id: str) -> Any:
    try:
        handle = run.env.client.get_workflow_handle(workflow_id_for(account_id))
        return await handle.query(STATUS_QUERY, result_type=messages.AccountStatus)
    except Exception:  # noqa: BLE001 - closed or not yet loaded: nothing to pay
        return None


def _promise(account_id: str, in_days: int) -> Action:
    async def promise(run: _Run) -> None:
        status = await _status(run, account_id)
        if status is None or status.balance_cents <= 0:
            return
        due = ((await run.env.get_current_time()).date() + timedelta(days=in_days)).isoformat()
        await _signal(account_id, "promise_to_pay", PromiseInput(status.balance_cents, due))(run)

    return promise


async def _read_calls(run: _Run, sessions: Any, day: int) -> None:
    """Answer every call placed since the last read, as the debtor model says; queue what follows."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(ContactAttemptRow.id, ContactAttemptRow.account_id, ContactAttemptRow.attempt_no)
                .where(ContactAttemptRow.id > run.last_attempt_id)
                .where(ContactAttemptRow.account_id.in_(run.debtors))
                .where(ContactAttemptRow.channel == "call", ContactAttemptRow.status == "sent")
                .order_by(ContactAttemptRow.id)
            )
        ).all()
    for row_id, account_id, attempt_no in rows:
        run.last_attempt_id = max(run.last_attempt_id, row_id)
        key = account_id.removeprefix(run.prefix)  # the same debtor in every run of this seed
        outcome = model.call_outcome(run.seed, key, attempt_no, run.rates)
        run.agenda[day].append(_signal(account_id, "contact_outcome", ContactOutcomeInput(attempt_no, outcome)))
        if outcome != model.Outcome.RIGHT_PARTY_CONTACT:
            continue
        promised = model.promise_after_contact(run.seed, key, attempt_no, run.rates)
        if promised is None:
            continue
        run.agenda[day].append(_promise(account_id, promised.in_days))
        if promised.kept:
            run.agenda[day + promised.in_days].append(_pay_in_full(account_id, f"PROMISE{attempt_no}"))


async def _read_resolutions(run: _Run, sessions: Any, day: int) -> None:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(AccountRow.account_id, AccountRow.stage).where(AccountRow.account_id.in_(run.debtors))
            )
        ).all()
    for account_id, stage in rows:
        if stage is not None and Stage(stage).is_terminal:
            run.resolved_on.setdefault(account_id, day)


async def _send(run: _Run, actions: list[Action]) -> None:
    gate = asyncio.Semaphore(SIGNAL_CONCURRENCY)

    async def one(action: Action) -> None:
        async with gate:
            await action(run)

    await asyncio.gather(*(one(a) for a in actions))


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
                run = _Run(prefix, env, seed, rates, days, resolved_on=resolved_on)
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
    request = SleepRequest()
    request.duration.FromTimedelta(start - now)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=SKIP_TIMEOUT)
    return start


async def _simulate(
    run: _Run, settings: Settings, sessions: Any, strategy: str, portfolio: tuple[list[str], list[list[str]]],
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
    _plan_lives(run, start.date().isoformat())

    async def read(day: int) -> None:
        await _read_calls(run, sessions, day)
        await _read_resolutions(run, sessions, day)

    async def send(day: int) -> None:
        await _send(run, run.agenda.pop(day, []))

    async with simulation_worker(run.env, queue, workflows=WORKFLOWS, activities=all_activities(sessions, None)):
        await account_workflows.start_accounts(ctx, ids)
        await play_days(run.env, run.days, read=read, send=send, on_day=on_day)
        await _read_resolutions(run, sessions, run.days + 1)


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
