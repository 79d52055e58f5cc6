"""`start_accounts` (what `starter.py start --all-past-due` calls) against a bare loop of start_workflow.

N synthetic accounts are loaded into a fresh store; `ops.account_workflows.start_accounts` starts
their workflows (it reads the accounts from the store, resolves each one's strategy plan and starts
`account-<id>` with START_CONCURRENCY starts in flight). The baseline starts the same workflows with
the same inputs (prebuilt beforehand) from a bare loop of `client.start_workflow` with the same
options and the same bound on concurrency, under ids of its own (`bare-account-<id>`). Both run on
the same dev server, alternating slice by slice (ABBA) so that both see the same load on a shared
machine; `--slice 0` hands start_accounts all N accounts in one call instead. No worker polls the
task queue: only starting is measured.

    .venv/bin/python bench/batch_start.py [--quick] [--n 2000] [--slice 500] [--store sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass, field
from datetime import date

from _scenarios import accounts, start_input, strategy
from _support import (
    Stopwatch,
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
)
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

from domain.messages import AccountWorkflowInput
from domain.workflow_contract import workflow_id_for
from ops.account_workflows import START_CONCURRENCY, past_due_accounts, start_accounts
from ops.context import OpsContext
from service.config import load_settings
from store.views import AccountView
from workflows.account import AccountCollectionsWorkflow

DESCRIPTION = "start_accounts against a bare loop of start_workflow on the same dev server."
DEFAULT_N, QUICK_N = 2_000, 200
WARM_UP = 20
DEFAULT_SLICE, MIN_SLICES = 500, 4
"""Alternating in slices keeps both sides under the same load on a shared machine: slices of 500
accounts, or smaller so that there are at least 4 of them."""


@dataclass
class Measured:
    n: int
    slice_size: int
    ops_seconds: list[float] = field(default_factory=list)
    bare_seconds: list[float] = field(default_factory=list)


async def bare_loop(client: Client, queue: str, inputs: list[tuple[str, AccountWorkflowInput]]) -> None:
    """client.start_workflow for each input, START_CONCURRENCY in flight, nothing else."""
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def start_one(workflow_id: str, request: AccountWorkflowInput) -> None:
        async with gate:
            await client.start_workflow(
                AccountCollectionsWorkflow.run, request, id=workflow_id, task_queue=queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )  # fmt: skip

    await asyncio.gather(*(start_one(workflow_id, request) for workflow_id, request in inputs))


async def batch_start_part(args: argparse.Namespace, results: list[Measured]) -> None:
    if args.slice == 0:
        slice_size = args.n
    elif args.slice:
        slice_size = min(args.slice, args.n)
    else:
        slice_size = min(DEFAULT_SLICE, max(1, -(-args.n // MIN_SLICES)))
    slices = -(-args.n // slice_size)
    measured = Measured(args.n, slice_size)
    console.print(
        f"[bold]batch start[/]: {args.n} workflows by start_accounts and the same {args.n} by a bare loop, in "
        f"{slices} slice(s) of up to {slice_size} accounts alternating ABBA, {START_CONCURRENCY} starts in flight, "
        f"dev server, {args.store} store"
    )
    async with dev_server() as env, store_named(args.store) as store:
        today = date.today()
        watch = Stopwatch()
        loaded = await accounts(store, args.n, prefix="B", today=today)
        warm_up_set = await accounts(store, WARM_UP, prefix="W", today=today)
        console.print(f"  loaded {args.n + WARM_UP} accounts in {watch.seconds:.1f} s")
        queue = "bench-no-worker"  # nothing polls it: the workflows only need to be started
        settings = load_settings(collections_task_queue=queue, database_url=store.url)
        plans = strategy()
        ctx = OpsContext(settings, env.client, store.sessions, plans)
        past_due = set(await past_due_accounts(ctx, today))  # what `start --all-past-due` starts
        if missing := [a.account_id for a in loaded if a.account_id not in past_due]:
            raise RuntimeError(f"{len(missing)} accounts are not past due, e.g. {missing[0]}")

        def bare_inputs(prefix: str, chosen: list[AccountView]) -> list[tuple[str, AccountWorkflowInput]]:
            """The inputs start_accounts builds, under workflow ids of the baseline's own."""
            return [(f"{prefix}-{workflow_id_for(a.account_id)}", start_input(plans, a)) for a in chosen]

        async def ops_slice(chosen: list[AccountView]) -> float:
            ids = [a.account_id for a in chosen]
            watch = Stopwatch()
            summary = await start_accounts(ctx, ids)
            seconds = watch.seconds
            if len(summary.started) != len(ids):
                raise RuntimeError(f"start_accounts started {len(summary.started)} of {len(ids)}")
            return seconds

        async def bare_slice(chosen: list[AccountView], prefix: str = "bare") -> float:
            inputs = bare_inputs(prefix, chosen)  # built outside the time measured
            watch = Stopwatch()
            await bare_loop(env.client, queue, inputs)
            return watch.seconds

        await ops_slice(warm_up_set)
        await bare_slice(warm_up_set, prefix="warm")
        for number in range(slices):
            chosen = loaded[number * slice_size : (number + 1) * slice_size]
            if number % 2 == 0:
                measured.ops_seconds.append(await ops_slice(chosen))
                measured.bare_seconds.append(await bare_slice(chosen))
            else:
                measured.bare_seconds.append(await bare_slice(chosen))
                measured.ops_seconds.append(await ops_slice(chosen))
            if slices <= 10 or (number + 1) % 5 == 0 or number + 1 == slices:
                console.print(
                    f"  slice {number + 1}/{slices}: {len(chosen)} accounts, start_accounts "
                    f"{measured.ops_seconds[-1]:.2f} s, bare loop {measured.bare_seconds[-1]:.2f} s"
                )
    results.append(measured)


def spread(ratios: list[float]) -> str:
    if len(ratios) < 2:
        return f"{ratios[0]:.2f}"
    low, _, high = statistics.quantiles(ratios, n=4)
    return f"{statistics.median(ratios):.2f} ({low:.2f}-{high:.2f})"


def report(results: list[Measured], store: str) -> None:
    rows = []
    for m in results:
        ops, bare = m.n / sum(m.ops_seconds), m.n / sum(m.bare_seconds)
        by_slice = [b / o for o, b in zip(m.ops_seconds, m.bare_seconds, strict=True)]
        rows.append([
            f"start_accounts ({store} store)", str(m.n), f"{len(by_slice)} x {m.slice_size}", f"{ops:.0f}",
            f"{bare:.0f}", ratio(ops / bare), spread(by_slice),
        ])  # fmt: skip
    figures_table(
        "batch start: workflows started per second, start_accounts as a ratio to a bare start_workflow loop",
        ["", "accounts", "slices", "start_accounts/s", "bare loop/s", "ratio", "by slice: median (p25-p75)"],
        rows,
        caption=f"ratio = start_accounts rate / bare loop rate over all slices; both {START_CONCURRENCY} starts in "
        "flight (START_CONCURRENCY), same dev server, same inputs; by slice: the slice-by-slice ratios",
    )


async def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--store", choices=["sqlite", "postgres"], default="sqlite",
            help=f"where the accounts are loaded (default sqlite; postgres: a new database at {postgres_admin_url()})",
        )  # fmt: skip
        parser.add_argument(
            "--slice", type=int, default=None,
            help=f"accounts per start_accounts call, alternating with the baseline (default {DEFAULT_SLICE}, or "
            f"N/{MIN_SLICES} when smaller; 0: all N in one call, a single alternation)",
        )  # fmt: skip

    args = parse_args(
        DESCRIPTION,
        default_n=DEFAULT_N,
        quick_n=QUICK_N,
        n_help="accounts (workflows started by each side)",
        extra=options,
    )
    note("dev server in memory; no worker polls the task queue (only starting is measured)")
    results: list[Measured] = []
    ok = await run_part("batch start", lambda: batch_start_part(args, results), show_traceback=args.traceback)
    if results:
        report(results, args.store)
    else:
        console.print("no figures: every part was skipped or failed")
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
