"""Payment files posted per second, as a ratio to a bare loop of the same signals; and the memory they take.

(1) Throughput, dev server, no worker (the posting's side: the workflows wait on the server): a file of
    n items over `--accounts` accounts is posted by ops.posting.post_file (check the control totals,
    stream, match, look the references up, audit, signal-with-start each payment) in halves, alternating
    ABBA with a bare loop that signals-with-start the same payments, under workflow ids of its own, in the
    same chunks (ops.posting.CHUNK) with the same concurrency (SEND_AT_ONCE), and nothing else: no file,
    no matching, no store.
(2) Memory: tracemalloc's peak while a file of n/10 items and one of n items are checked and streamed
    (ops.payment_files.check_file, payment_items): flat in the file's size if the reading is streamed.

    .venv/bin/python bench/payment_posting.py [--quick] [--n 100000] [--accounts 1000] [--store sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import tempfile
import tracemalloc
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from _scenarios import accounts, strategy
from _support import (
    Stopwatch,
    console,
    dev_server,
    figures_table,
    parse_args,
    ratio,
    run_main,
    run_part,
    store_named,
)

from domain.messages import PaymentInput
from ops import account_workflows
from ops.context import OpsContext
from ops.payment_files import PaymentItem, check_file, payment_items, write_sample_file
from ops.posting import CHUNK, SEND_AT_ONCE, post_file
from service.config import load_settings
from store.views import AccountView

DESCRIPTION = "Payment files posted per second, as a ratio to a bare loop of the same signals; and their memory."
DEFAULT_N, QUICK_N = 100_000, 4_000


@dataclass
class Measured:
    items: int
    posting_seconds: list[float] = field(default_factory=list)
    bare_seconds: list[float] = field(default_factory=list)


def items_for(account_ids: list[str], n: int, prefix: str, today: date) -> list[PaymentItem]:
    """n one-cent payments spread over the accounts (a cent: no account is paid off by the file)."""
    return [
        PaymentItem(i + 2, f"{prefix}-{i}", account_ids[i % len(account_ids)], "", 1, today, "Bench Payer")
        for i in range(n)
    ]


async def bare_loop(ctx: OpsContext, chosen: dict[str, AccountView], items: list[PaymentItem], prefix: str) -> None:
    """The same signals-with-start, in the posting's chunks of CHUNK with SEND_AT_ONCE in flight, under account
    ids of the loop's own: the posting's way of sending, without the file, the matching and the store."""
    gate = asyncio.Semaphore(SEND_AT_ONCE)

    async def one(item: PaymentItem) -> None:
        account = chosen[item.account_number]
        own = dataclasses.replace(account, account_id=f"{prefix}{account.account_id}")
        async with gate:
            await account_workflows.deliver_payment(
                ctx, own, PaymentInput(item.amount_cents, item.item_reference, item.received_on.isoformat())
            )

    for start in range(0, len(items), CHUNK):
        await asyncio.gather(*(one(i) for i in items[start : start + CHUNK]))


async def throughput_part(args: argparse.Namespace, results: list[Measured]) -> None:
    half = args.n // 2
    measured = Measured(2 * half)
    console.print(
        f"[bold](1) posting[/]: 2 files of {half} items over {args.accounts} accounts, and as many bare signals, ABBA, "
        f"{SEND_AT_ONCE} in flight, dev server, no worker, {args.store} store"
    )
    async with dev_server() as env, store_named(args.store) as store:
        today = date.today()
        loaded = await accounts(store, args.accounts, prefix="P", today=today)
        by_id = {a.account_id: a for a in loaded}
        ids = list(by_id)
        settings = load_settings(collections_task_queue="bench-no-worker", database_url=store.url)
        ctx = OpsContext(settings, env.client, store.sessions, strategy())
        with tempfile.TemporaryDirectory(prefix="bench-posting-") as folder:

            async def posting_round(number: int) -> float:
                path = Path(folder) / f"day{number}.csv"
                write_sample_file(path, items_for(ids, half, f"F{number}", today), "csv")
                watch = Stopwatch()
                report = await post_file(ctx, path, actor="bench")
                seconds = watch.seconds
                if report.posted != half:
                    raise RuntimeError(f"posted {report.posted} of {half}: {report.as_dict()}")
                return seconds

            async def bare_round(number: int) -> float:
                items = items_for(ids, half, f"B{number}", today)
                watch = Stopwatch()
                await bare_loop(ctx, by_id, items, prefix="bare-")
                return watch.seconds

            for number in range(2):
                if number == 0:
                    measured.posting_seconds.append(await posting_round(number))
                    measured.bare_seconds.append(await bare_round(number))
                else:
                    measured.bare_seconds.append(await bare_round(number))
                    measured.posting_seconds.append(await posting_round(number))
                console.print(
                    f"  round {number + 1}/2: {half} items posted in {measured.posting_seconds[-1]:.1f} s, "
                    f"{half} bare signals in {measured.bare_seconds[-1]:.1f} s"
                )
    console.print(f"  the process's peak resident memory so far: {_max_rss_mib():.0f} MiB")
    results.append(measured)


def memory_part(args: argparse.Namespace, rows: list[list[str]]) -> None:
    today = date.today()
    with tempfile.TemporaryDirectory(prefix="bench-posting-") as folder:
        for fmt in ("csv", "bai2"):
            for n in (args.n // 10, args.n):
                path = Path(folder) / f"m{n}.{fmt}"
                write_sample_file(path, items_for(["M1"], n, "M", today), fmt)
                tracemalloc.start()
                totals = check_file(path)
                streamed = sum(1 for _ in payment_items(path))
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                if streamed != totals.items != n:
                    raise RuntimeError(f"{fmt}: {streamed} items streamed, {totals.items} counted, {n} written")
                rows.append([fmt, str(n), f"{path.stat().st_size / 2**20:.1f}", f"{peak / 2**10:.0f}"])
                path.unlink()


def _range(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--accounts", type=int, default=1_000, help="accounts the items spread over (1000)")
        parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite", help="the account store")

    args = parse_args(DESCRIPTION, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="items in all", extra=options)
    results: list[Measured] = []
    memory: list[list[str]] = []
    ok = await run_part("(1) posting", lambda: throughput_part(args, results), show_traceback=args.traceback)

    async def memory_async() -> None:
        memory_part(args, memory)

    ok &= await run_part("(2) memory", memory_async, show_traceback=args.traceback)
    for m in results:
        posted, bare = m.items / sum(m.posting_seconds), m.items / sum(m.bare_seconds)
        figures_table(
            "posting: items per second as a ratio to a bare loop of the same signals",
            ["items", "posted items/s", "bare signals/s", "ratio", "ratio by round"],
            [[str(m.items), f"{posted:.0f}", f"{bare:.0f}", ratio(posted / bare),
              _range([b / p for p, b in zip(m.posting_seconds, m.bare_seconds, strict=True)])]],
        )  # fmt: skip
    if memory:
        figures_table(
            "reading a payment file: tracemalloc's peak while checking and streaming it",
            ["format", "items", "file MiB", "peak KiB"],
            memory,
            caption="flat: the peak does not grow with the file",
        )
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
