"""Simulated account-days per second of `simulate --engine fast`, as a ratio to a per-day floor in the same process.

Measured: ops.fast_engine.simulate_fast, what `simulate --engine fast` runs (the account machine in process,
the in-memory store, the seeded debtors on the day grid), `default` strategy, default behaviour rates.
Baseline: the floor of walking every account day by day: per account, a generator yielding one Wait per
simulated day (at 10:00 UTC, the debtors' hour) to an interpreter that advances the clock and answers with
no events; no store, no rules. The fast engine skips the days where nothing happens, so a ratio above 1
means it costs less than touching each account once a day. Peak memory is the process's maximum resident
set (resource.getrusage), after each part: a run of more days must not raise it.

    .venv/bin/python bench/fast_engine.py [--quick] [--accounts 10000] [--days 180] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
from collections.abc import Generator
from datetime import datetime, timedelta

from _support import Stopwatch, console, figures_table, parse_args, ratio, run_main

from domain.commands import Wait
from domain.debtor_model import BehaviourRates
from ops.fast_engine import next_start, simulate_fast
from ops.simulation import EVENTS_AT
from service.logging import configure_logging

DESCRIPTION = "Account-days per second of `simulate --engine fast`, as a ratio to a day-by-day no-op loop."
DEFAULT_ACCOUNTS, QUICK_ACCOUNTS = 10_000, 200
DEFAULT_DAYS, QUICK_DAYS = 180, 30


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def daily(start: datetime, days: int) -> Generator[Wait, list[object] | None, None]:
    for day in range(1, days + 1):
        yield Wait((start + timedelta(days=day)).replace(hour=EVENTS_AT), "day")


def baseline(accounts: int, days: int) -> float:
    """Seconds to drive `accounts` day-by-day generators through `days` days."""
    start, watch = next_start(), Stopwatch()
    for _ in range(accounts):
        clock, walk = start, daily(start, days)
        answer: list[object] | None = None
        while True:
            try:
                command = walk.send(answer)
            except StopIteration:
                break
            clock, answer = max(clock, command.until or clock), []
    return watch.seconds


async def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=None, help=f"simulated days (default {DEFAULT_DAYS})")
        parser.add_argument("--seed", type=int, default=7, help="seed of the portfolio and the debtors (default 7)")
        parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout")

    args = parse_args(
        DESCRIPTION, default_n=DEFAULT_ACCOUNTS, quick_n=QUICK_ACCOUNTS, n_help="accounts",
        n_aliases=("--accounts",), extra=options,
    )  # fmt: skip
    days = args.days or (QUICK_DAYS if args.quick else DEFAULT_DAYS)
    configure_logging(log_format="console", level="warning")
    base_seconds = baseline(args.n, days)
    base_mb = peak_mb()
    watch = Stopwatch()
    report = simulate_fast(accounts=args.n, days=days, seed=args.seed, strategy="default", rates=BehaviourRates())
    seconds, fast_mb = watch.seconds, peak_mb()
    account_days = args.n * days

    def part(wall: float, mb: float) -> dict[str, float]:
        return {
            "wall_seconds": round(wall, 2),
            "account_days_per_second": round(account_days / wall),
            "peak_mb": round(mb),
        }

    figures = {
        "accounts": args.n, "days": days, "seed": args.seed, "baseline": part(base_seconds, base_mb),
        "fast": part(seconds, fast_mb), "ratio": round(base_seconds / seconds, 3), "by_stage": report.by_stage,
    }  # fmt: skip
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    rows = [
        [name, f"{args.n:,}", str(days), f"{f['wall_seconds']:.1f}", f"{f['account_days_per_second']:,}",
         f"{f['peak_mb']}", ratio(base_seconds / f["wall_seconds"]) if name == "fast" else "1.00x"]
        for name, f in (("baseline", figures["baseline"]), ("fast", figures["fast"]))
    ]  # fmt: skip
    figures_table(
        "simulate --engine fast: simulated account-days per wall-clock second",
        ["run", "accounts", "days", "wall s", "account-days/s", "peak MB", "ratio"],
        rows,
        caption="baseline: one generator per account yielding a Wait every simulated day, answered with no events",
    )
    console.print(f"outcome: {report.by_stage}")
    return 0


if __name__ == "__main__":
    run_main(main)
