"""Simulated account-days per wall-clock second of `starter.py simulate`, as a ratio to a floor on the same server.

Measured: ops.simulation.simulate, what `starter.py simulate` runs (a fresh time-skipping server per
--chunk accounts, the real workflows and activities on one worker, the debtors' events on the day
grid), on --accounts accounts for --days days with --seed, the `default` strategy and the default
behaviour rates, on a fresh SQLite store in a temporary folder.
Baseline: the floor cost of the same simulated time: as many bench/_baseline.py DailyNoopWorkflow as
accounts, each waking once per simulated day (WAKE_AT UTC, inside the hours the simulation's calls
and emails fall in) to run one no-op activity, the clock driven by the simulation's own day loop
(ops.simulation.play_days: skip to READ_AT, skip to EVENTS_AT, every day, nothing to read or send),
on a fresh time-skipping server started the same way (ops.simulation.simulation_server) by a worker
with the same settings (ops.simulation.simulation_worker).
Both are timed the same way, from starting the server to its shutdown; the baseline runs first, then
the simulation, in this process. The time-skipping server slows down with every task it has served,
so the baseline's cost grows with accounts^2 x days (bench/README.md): --baseline-budget stops it
early and times it on the days it covered, which makes the ratio a lower bound.

    .venv/bin/python bench/simulation_speed.py [--quick] [--accounts 200] [--days 60] [--seed 7] [--json]
        [--baseline-budget SECONDS] [--chunk 100] [--no-baseline]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from _baseline import DailyInput, DailyNoopWorkflow, noop_activity
from _support import (
    Stopwatch,
    bounded,
    console,
    executable,
    figures_table,
    parse_args,
    ratio,
    run_main,
    run_part,
)
from rich.console import Console
from temporalio.client import WorkflowExecutionStatus

from domain.debtor_model import BehaviourRates
from ops.account_workflows import START_CONCURRENCY
from ops.simulation import (
    DEFAULT_CHUNK,
    EVENTS_AT,
    READ_AT,
    START_AT,
    SimulationReport,
    play_days,
    simulate,
    simulation_server,
    simulation_worker,
    sleep_until_hour,
)
from service.config import load_settings
from service.logging import configure_logging

DESCRIPTION = "Simulated account-days per second of `starter.py simulate`, as a ratio to a daily no-op floor."
DEFAULT_ACCOUNTS, QUICK_ACCOUNTS = 200, 20
DEFAULT_DAYS, QUICK_DAYS = 60, 10
WAKE_AT = 12
"""UTC hour the baseline workflows wake: between EVENTS_AT and the next READ_AT, where US calling hours begin."""
STRATEGY = "default"


@dataclass
class Measured:
    name: str
    accounts: int
    days: int
    """The simulated days covered (fewer than asked when the baseline was stopped at --baseline-budget)."""
    seconds: float
    stopped: bool = False

    @property
    def account_days_per_second(self) -> float:
        return self.accounts * self.days / self.seconds


class OverBudget(Exception):
    def __init__(self, days: int, seconds: float) -> None:
        super().__init__(f"stopped after {days} days")
        self.days, self.seconds = days, seconds


def progress(out: Console, label: str, days: int, *, budget: float | None = None) -> Callable[[], None]:
    """An on_day callback that prints a line every tenth of the days; past `budget` seconds (from its creation,
    just before the first day) it raises OverBudget."""
    watch, done, every = Stopwatch(), 0, max(1, days // 10)

    def on_day() -> None:
        nonlocal done
        done += 1
        over = budget is not None and watch.seconds > budget and done < days
        if done % every == 0 or done == days or over:
            out.print(f"  {label}: day {done}/{days} ({watch.seconds:.0f} s)")
        if over:
            raise OverBudget(done, watch.seconds)

    return on_day


async def baseline_part(args: argparse.Namespace, out: Console, results: dict[str, Measured]) -> None:
    executable("temporal-test-server")
    out.print(
        f"[bold]baseline[/]: {args.n} daily no-op workflows (wake at {WAKE_AT}:00 UTC, one activity) over "
        f"{args.days} days of the simulation's day grid, fresh time-skipping server"
    )
    name, watch = "baseline: daily no-op + 1 activity", Stopwatch()
    try:
        await run_baseline(args, out)
    except OverBudget as stop:
        # Rated on the days it covered alone (no server start, no workflow starts): an upper bound of its rate
        # over all the days, as long as its days do not get faster.
        out.print(f"  stopped at the budget ({args.baseline_budget:.0f} s) after {stop.days} of {args.days} days")
        results["baseline"] = Measured(name, args.n, stop.days, stop.seconds, stopped=True)
        return
    results["baseline"] = Measured(name, args.n, args.days, watch.seconds)


async def run_baseline(args: argparse.Namespace, out: Console) -> None:
    async with simulation_server() as env:
        await sleep_until_hour(env, START_AT)
        queue = f"simulate-baseline-{uuid.uuid4().hex[:8]}"
        request = DailyInput(args.days, WAKE_AT)
        async with simulation_worker(env, queue, workflows=[DailyNoopWorkflow], activities=[noop_activity]):
            starts = [
                partial(env.client.start_workflow, DailyNoopWorkflow.run, request, id=f"bench-daily-{n:06d}",
                        task_queue=queue)
                for n in range(1, args.n + 1)
            ]  # fmt: skip
            handles = await bounded(START_CONCURRENCY, starts)

            async def nothing(_day: int) -> None:
                return None

            on_day = progress(out, "baseline", args.days, budget=args.baseline_budget)
            await play_days(env, args.days, read=nothing, send=nothing, on_day=on_day)
            described = await bounded(START_CONCURRENCY, [h.describe for h in handles])
            unfinished = [d.id for d in described if d.status != WorkflowExecutionStatus.COMPLETED]
            if unfinished:
                raise RuntimeError(f"{len(unfinished)} baseline workflows not completed, e.g. {unfinished[0]}")
            with env.auto_time_skipping_disabled():  # result() would lock and unlock the clock, call by call
                woken = await bounded(START_CONCURRENCY, [h.result for h in handles])
            if any(w != args.days for w in woken):
                raise RuntimeError("a baseline workflow did not wake once per day")


async def simulation_part(
    args: argparse.Namespace, out: Console, results: dict[str, Measured], reports: list[SimulationReport]
) -> None:
    executable("temporal-test-server")
    out.print(
        f"[bold]simulation[/]: `starter.py simulate --accounts {args.n} --days {args.days} --seed {args.seed} "
        f"--chunk {args.chunk}` (strategy {STRATEGY}), a fresh time-skipping server per chunk, fresh SQLite store"
    )
    days_of: list[Callable[[], None]] = []

    def on_chunk(number: int, of: int) -> None:
        days_of.append(progress(out, f"simulation, chunk {number}/{of}", args.days))

    with tempfile.TemporaryDirectory(prefix="collections-bench-") as folder:
        settings = load_settings(database_url=f"sqlite+aiosqlite:///{folder}/collections.db")
        watch = Stopwatch()
        report = await simulate(
            settings, accounts=args.n, days=args.days, seed=args.seed, strategy=STRATEGY, rates=BehaviourRates(),
            chunk=args.chunk, on_chunk=on_chunk, on_day=lambda: days_of[-1](),
        )  # fmt: skip
        seconds = watch.seconds
    reports.append(report)
    results["simulation"] = Measured("simulation: starter.py simulate", args.n, args.days, seconds)
    cured = report.by_stage.get("paid", 0) + report.by_stage.get("settled", 0)
    out.print(
        f"  outcome: {', '.join(f'{k} {v}' for k, v in report.by_stage.items())}; cured {cured}, "
        f"collected {report.collected_cents / 100:,.2f}; its own wall_seconds {report.wall_seconds}"
    )


def print_figures(args: argparse.Namespace, results: dict[str, Measured]) -> None:
    base = results.get("baseline")
    rows = []
    for m in results.values():
        shown = "-"
        if base:
            shown = ("≥ " if base.stopped and m is not base else "") + ratio(
                m.account_days_per_second / base.account_days_per_second
            )
        days = f"{m.days} of {args.days}" if m.stopped else str(m.days)
        rows.append([
            m.name, f"{m.accounts:,}", days, f"{m.accounts * m.days:,}", f"{m.seconds:.1f}",
            f"{m.account_days_per_second:.1f}", shown,
        ])  # fmt: skip
    caption = (
        f"ratio = account-days/s / the baseline's (1.00x: as fast as {WAKE_AT}:00 UTC wake-ups with one no-op "
        f"activity per account and day); the day grid skips to {READ_AT}:00 and {EVENTS_AT}:00 UTC daily"
    )
    if base and base.stopped:
        caption += (
            f"; the baseline was stopped at --baseline-budget after {base.days} days and is timed on those days "
            "alone; its days only get slower (the time-skipping server's cost per task grows with the tasks it "
            "has served), so its rate over all the days would be lower: the ratio is a lower bound"
        )
    figures_table(
        "simulation speed: simulated account-days per wall-clock second, as a ratio to the daily no-op floor",
        ["run", "accounts", "days", "account-days", "wall s", "account-days/s", "ratio"],
        rows,
        caption=caption,
    )


def json_figures(args: argparse.Namespace, results: dict[str, Measured], reports: list[SimulationReport]) -> str:
    figures: dict[str, Any] = {
        "accounts": args.n, "days": args.days, "seed": args.seed, "strategy": STRATEGY, "chunk": args.chunk,
    }  # fmt: skip
    for key, m in results.items():
        figures[key] = {
            "days": m.days,
            "wall_seconds": round(m.seconds, 1),
            "account_days_per_second": round(m.account_days_per_second, 1),
        }
        if m.stopped:
            figures[key]["stopped_at_budget"] = True
    if reports:
        figures["simulation"]["report"] = dataclasses.asdict(reports[0])
    if "baseline" in results and "simulation" in results:
        simulated, base = results["simulation"], results["baseline"]
        figures["ratio_is_lower_bound"] = base.stopped
        figures["ratio"] = round(simulated.account_days_per_second / base.account_days_per_second, 3)
    return json.dumps(figures, indent=2)


async def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help=f"simulated days (default {DEFAULT_DAYS}; --quick: {QUICK_DAYS})"
        )
        parser.add_argument("--seed", type=int, default=7, help="seed of the portfolio and the debtors (default 7)")
        parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout (progress on stderr)")
        parser.add_argument(
            "--chunk",
            type=int,
            default=DEFAULT_CHUNK,
            help=f"the simulation's accounts per server (default {DEFAULT_CHUNK})",
        )
        parser.add_argument("--no-baseline", action="store_true", help="time the simulation alone (no ratio)")
        parser.add_argument(
            "--baseline-budget", type=float, default=None, metavar="SECONDS",
            help="stop the baseline after this long (at the end of a day) and rate it on the days it covered; the "
            "ratio is then a lower bound (default: no limit)",
        )  # fmt: skip

    args = parse_args(
        DESCRIPTION, default_n=DEFAULT_ACCOUNTS, quick_n=QUICK_ACCOUNTS, n_help="accounts",
        n_aliases=("--accounts",), extra=options,
    )  # fmt: skip
    if args.days is None:
        args.days = QUICK_DAYS if args.quick else DEFAULT_DAYS
    if args.days < 1:
        console.print("--days must be at least 1")
        return 2
    out = Console(stderr=True, highlight=False) if args.json else console
    configure_logging(log_format="console", level="warning")  # as `starter.py simulate`
    results: dict[str, Measured] = {}
    reports: list[SimulationReport] = []
    ok = args.no_baseline or await run_part(
        "baseline", lambda: baseline_part(args, out, results), show_traceback=args.traceback, out=out
    )
    ok &= await run_part(
        "simulation", lambda: simulation_part(args, out, results, reports), show_traceback=args.traceback, out=out
    )
    if args.json:
        print(json_figures(args, results, reports))
    elif results:
        print_figures(args, results)
    else:
        console.print("no figures: every part was skipped or failed")
    sys.stdout.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
