"""Complete account lifecycles per second, as a ratio to a no-op workflow on the same server.

(a) paid on first contact, on the local dev server: the real AccountCollectionsWorkflow started with
    the default strategy, its validation-notice letter sent, then the balance paid in full.
(b) a six-installment plan, on the time-skipping server (it needs months): started `on_plan` with a
    prebuilt state, each installment paid on its due date, the clock skipped in between.
Baseline: bench/_baseline.py's no-op workflow with one activity (start, one signal, result), run by
the same worker in the same process on the same server, in rounds alternating with the lifecycles.

    .venv/bin/python bench/lifecycle_throughput.py [--quick] [--n 200] [--concurrency 20]
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from _scenarios import (
    PLAN_INSTALLMENTS,
    ContactWatcher,
    accounts,
    baseline,
    engine_worker,
    log_like_the_worker,
    paid_on_first_contact,
    prepare_plan,
    reader,
    six_installment_plans,
    strategy,
)
from _support import (
    Stopwatch,
    bounded,
    console,
    dev_server,
    figures_table,
    note,
    parse_args,
    postgres_admin_url,
    ratio,
    run_main,
    run_part,
    store_named,
    time_skipping_server,
)

from store.views import AccountView

DESCRIPTION = "Complete account lifecycles per second, as a ratio to a no-op workflow on the same server."
DEFAULT_N, QUICK_N = 200, 20
ROUNDS = 4
WARM_UP = 5


@dataclass
class Measured:
    """Seconds spent on each side, round by round (the same number of workflows on each side)."""

    scenario: str
    server: str
    per_round: int
    lifecycle_seconds: list[float] = field(default_factory=list)
    baseline_seconds: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.per_round * len(self.lifecycle_seconds)

    def rate(self, seconds: list[float]) -> float:
        return self.count / sum(seconds)


Round = Callable[[int], Awaitable[float]]
"""Runs round `number` of one side and returns the seconds it measured."""


def rounds_for(n: int) -> tuple[int, int]:
    """(rounds, workflows per round): up to ROUNDS rounds, so that a drift of the machine shows."""
    rounds = max(1, min(ROUNDS, n // 10))
    return rounds, max(1, n // rounds)


async def timed(job: Awaitable[Any]) -> float:
    watch = Stopwatch()
    await job
    return watch.seconds


async def alternate(measured: Measured, rounds: int, lifecycle_round: Round, baseline_round: Round) -> None:
    """Rounds in ABBA order (lifecycles then baselines, then baselines then lifecycles, ...)."""
    for number in range(rounds):
        if number % 2 == 0:
            measured.lifecycle_seconds.append(await lifecycle_round(number))
            measured.baseline_seconds.append(await baseline_round(number))
        else:
            measured.baseline_seconds.append(await baseline_round(number))
            measured.lifecycle_seconds.append(await lifecycle_round(number))
        console.print(
            f"  round {number + 1}/{rounds}: {measured.per_round} lifecycles in {measured.lifecycle_seconds[-1]:.2f} s,"
            f" {measured.per_round} baselines in {measured.baseline_seconds[-1]:.2f} s"
        )


async def paid_on_first_contact_part(args: argparse.Namespace, results: list[Measured]) -> None:
    rounds, per_round = rounds_for(args.n)
    measured = Measured("(a) paid on first contact", "dev server", per_round)
    console.print(
        f"[bold](a) paid on first contact[/]: {rounds} x {per_round} lifecycles and as many baselines, "
        f"{args.concurrency} at a time, dev server"
    )
    async with (
        dev_server() as env,
        store_named(args.store) as store,
        reader(store) as polling,
        ContactWatcher(polling) as watcher,
    ):
        found = await accounts(store, WARM_UP + rounds * per_round, prefix="F", today=date.today())
        plans = strategy()
        async with engine_worker(env.client, store) as queue:
            one = partial(paid_on_first_contact, env.client, queue, watcher, plans)
            noops = [partial(baseline, env.client, queue) for _ in range(per_round)]
            await bounded(args.concurrency, [partial(one, a) for a in found[:WARM_UP]])
            await bounded(args.concurrency, noops[:WARM_UP])

            async def lifecycles(number: int) -> float:
                chunk = found[WARM_UP + number * per_round : WARM_UP + (number + 1) * per_round]
                return await timed(bounded(args.concurrency, [partial(one, a) for a in chunk]))

            async def baselines(_number: int) -> float:
                return await timed(bounded(args.concurrency, noops))

            await alternate(measured, rounds, lifecycles, baselines)
    results.append(measured)


async def six_installment_part(args: argparse.Namespace, results: list[Measured]) -> None:
    rounds, per_round = rounds_for(args.n)
    side_by_side = min(args.concurrency, per_round)
    measured = Measured(f"(b) {PLAN_INSTALLMENTS}-installment plan", "time-skipping", per_round)
    console.print(
        f"[bold](b) {PLAN_INSTALLMENTS}-installment plan[/]: {rounds} x {per_round} plans ({side_by_side} side by "
        f"side on one skipped clock) and as many baselines ({side_by_side} at a time), time-skipping server"
    )
    async with time_skipping_server() as env, store_named(args.store) as store, reader(store) as polling:
        today = (await env.get_current_time()).date()
        found = await accounts(store, WARM_UP + rounds * per_round, prefix="I", today=today)
        plans = strategy()
        # The driver skips time itself (env.sleep); waiting for a result must not skip it any further.
        with env.auto_time_skipping_disabled():
            async with engine_worker(env.client, store) as queue:

                async def run_plans(chunk: list[AccountView]) -> float:
                    """Batches of plans side by side; each batch is prepared (plan rows, prebuilt state) at the
                    server's current time, outside the time measured."""
                    spent = 0.0
                    for start in range(0, len(chunk), side_by_side):
                        now = await env.get_current_time()
                        batch = [await prepare_plan(store, plans, a, now) for a in chunk[start : start + side_by_side]]
                        spent += await timed(six_installment_plans(env, queue, polling, batch))
                    return spent

                noops = [partial(baseline, env.client, queue) for _ in range(per_round)]
                await run_plans(found[:WARM_UP])
                await bounded(side_by_side, noops[:WARM_UP])

                async def lifecycles(number: int) -> float:
                    return await run_plans(found[WARM_UP + number * per_round : WARM_UP + (number + 1) * per_round])

                async def baselines(_number: int) -> float:
                    return await timed(bounded(side_by_side, noops))

                await alternate(measured, rounds, lifecycles, baselines)
    results.append(measured)


def report(results: list[Measured]) -> None:
    rows = []
    for m in results:
        life, base = m.rate(m.lifecycle_seconds), m.rate(m.baseline_seconds)
        by_round = [b / a for a, b in zip(m.lifecycle_seconds, m.baseline_seconds, strict=True)]
        rows.append([
            m.scenario, m.server, str(m.count), f"{life:.1f}", f"{base:.1f}", ratio(life / base),
            f"{min(by_round):.2f}-{max(by_round):.2f}",
        ])  # fmt: skip
    figures_table(
        "lifecycle throughput: lifecycles/s as a ratio to the no-op baseline on the same server",
        ["scenario", "server", "lifecycles", "lifecycles/s", "baseline wf/s", "ratio", "ratio by round"],
        rows,
        caption="ratio = lifecycles/s / baseline workflows/s (1.00x: as fast as a no-op workflow with one activity)",
    )


async def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--concurrency", type=int, default=20, help="lifecycles in flight at once (default 20)")
        parser.add_argument(
            "--store", choices=["sqlite", "postgres"], default="sqlite",
            help=f"the worker's account store (default sqlite; postgres: a fresh database at {postgres_admin_url()})",
        )  # fmt: skip

    args = parse_args(
        DESCRIPTION, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="lifecycles per scenario", extra=options
    )
    log_like_the_worker()
    note(f"worker logs: structlog JSON at info, written to /dev/null; store: {args.store} (fresh, temporary)")
    results: list[Measured] = []
    ok = await run_part(
        "(a) paid on first contact", lambda: paid_on_first_contact_part(args, results), show_traceback=args.traceback
    )
    ok &= await run_part(
        "(b) six-installment plan", lambda: six_installment_part(args, results), show_traceback=args.traceback
    )
    if results:
        report(results)
    else:
        console.print("no figures: every part was skipped or failed")
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
