"""The store's portfolio queries through the repository (SQLAlchemy) against the same SQL as raw text.

N synthetic accounts are bulk-loaded (`upsert_accounts`, as `starter.py load` does) into a fresh
SQLite store and, when the server is reachable, a fresh PostgreSQL database; stages are spread over
the accounts as a running portfolio would have them, then ANALYZE. On one session (one connection)
each query runs alternately through the repository and as raw SQL text (`text()`, the same
statement), and the median times are compared:

- past_due_account_ids: what `starter.py start --all-past-due` asks first;
- account_ids_by_stage: accounts per stage;
- aging: open accounts and balances by days-past-due bucket (current, 1-30, 31-60, 61-90, 91-120,
  121-180, 180+): `store.report_book.aging_buckets`, what `starter.py report aging` asks of today's book.

    .venv/bin/python bench/store_queries.py [--quick] [--n 20000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from _support import (
    Stopwatch,
    Store,
    console,
    figures_table,
    load_portfolio,
    median,
    parse_args,
    postgres_store,
    ratio,
    run_main,
    run_part,
    sqlite_store,
)
from sqlalchemy import Date, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.stages import TERMINAL_STAGES, Stage
from store import repository
from store.report_book import aging_buckets
from store.reports import AGING_BUCKETS, OLDEST

DESCRIPTION = "The store's portfolio queries through the repository against the same SQL as raw text."
DEFAULT_N, QUICK_N = 20_000, 2_000
AS_OF_DAYS_AGO = 30
"""`past due as of` a month ago: the synthetic due dates (5-200 days ago) then leave some accounts out."""
TERMINAL = sorted(s.value for s in TERMINAL_STAGES)
STAGE_MIX = [
    (None, 30), (Stage.CONTACTING, 30), (Stage.NEGOTIATING, 6), (Stage.ON_PLAN, 8), (Stage.REFERRED, 6),
    (Stage.ON_HOLD, 3), (Stage.PAID, 10), (Stage.SETTLED, 3), (Stage.CLOSED, 2), (Stage.WRITTEN_OFF, 1),
    (Stage.DISCHARGED, 1),
]  # fmt: skip
"""Stage (None: not started yet) and weight: a portfolio some weeks into collections."""


# ---- the queries, both ways ----


_OPEN = f"(stage IS NULL OR stage NOT IN ({', '.join(repr(s) for s in TERMINAL)}))"
RAW_PAST_DUE = text(
    f"SELECT account_id FROM accounts WHERE due_date < :as_of AND balance_cents > 0 AND {_OPEN} ORDER BY account_id"
).bindparams(bindparam("as_of", type_=Date()))
RAW_BY_STAGE = text("SELECT stage, count(*) FROM accounts GROUP BY stage")
_CASE = " ".join(f"WHEN due_date >= :d{days} THEN '{label}'" for label, days in AGING_BUCKETS)
_BUCKET = f"CASE {_CASE} ELSE '{OLDEST}' END"
RAW_AGING = text(  # as SQLAlchemy renders it: from the open accounts, grouped by the expression, ordered by the label
    f"SELECT {_BUCKET} AS bucket, count(*), sum(balance_cents) FROM (SELECT account_id, creditor, segment, "
    f"due_date, balance_cents FROM accounts WHERE balance_cents > 0 AND {_OPEN}) AS open_accounts "
    f"GROUP BY {_BUCKET} ORDER BY bucket"
).bindparams(*[bindparam(f"d{days}", type_=Date()) for _, days in AGING_BUCKETS])


async def raw_past_due(session: AsyncSession, *, as_of: date) -> list[str]:
    return list((await session.execute(RAW_PAST_DUE, {"as_of": as_of})).scalars())


async def raw_by_stage(session: AsyncSession) -> dict[str | None, int]:
    return {stage: count for stage, count in await session.execute(RAW_BY_STAGE)}


async def raw_aging(session: AsyncSession, *, as_of: date) -> list[tuple[str, int, int]]:
    params: dict[str, Any] = {f"d{d}": as_of - timedelta(days=d) for _, d in AGING_BUCKETS}
    return [(b, int(n), int(total)) for b, n, total in await session.execute(RAW_AGING, params)]


@dataclass
class Query:
    name: str
    repository: Callable[[AsyncSession], Awaitable[Any]]
    raw: Callable[[AsyncSession], Awaitable[Any]]


def queries(as_of: date) -> list[Query]:
    return [
        Query(
            "past_due_account_ids",
            lambda s: repository.past_due_account_ids(s, as_of=as_of),
            lambda s: raw_past_due(s, as_of=as_of),
        ),
        Query("account_ids_by_stage", repository.account_ids_by_stage, raw_by_stage),
        Query("aging by days past due", lambda s: aging_buckets(s, as_of=as_of), lambda s: raw_aging(s, as_of=as_of)),
    ]


# ---- loading and measuring ----


async def spread_stages(store: Store, account_ids: Sequence[str]) -> None:
    rng = random.Random(5)
    stages, weights = zip(*STAGE_MIX, strict=True)
    rows = [
        {"stage": None if stage is None else stage.value, "account_id": account_id}
        for account_id, stage in zip(account_ids, rng.choices(stages, weights, k=len(account_ids)), strict=True)
    ]
    async with store.sessions() as session, session.begin():
        await session.execute(text("UPDATE accounts SET stage = :stage WHERE account_id = :account_id"), rows)
    async with store.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()


@dataclass
class Timing:
    store: str
    query: str
    rows: int
    repository_ms: float
    raw_ms: float
    pair_ratios: list[float]


def size_of(result: Any) -> int:
    return len(result) if isinstance(result, list | dict) else 1


async def measure(store: Store, n: int, repeat: int, timings: list[Timing]) -> None:
    watch = Stopwatch()
    account_ids = await load_portfolio(store.sessions, n, prefix="Q", as_of=date.today())
    await spread_stages(store, account_ids)
    console.print(
        f"  {store.kind}: loaded {n} accounts (and their contact points), stages spread, in {watch.seconds:.1f} s"
    )
    as_of = date.today() - timedelta(days=AS_OF_DAYS_AGO)
    async with store.sessions() as session:  # one session, so one connection, for both sides
        for query in queries(as_of):
            through_repository, as_raw = await query.repository(session), await query.raw(session)
            if through_repository != as_raw:
                raise RuntimeError(f"{query.name}: the repository and the raw SQL disagree")
            for _ in range(2):  # warm-up: statement caches, prepared statements, the page cache
                await query.repository(session)
                await query.raw(session)
            repository_ms: list[float] = []
            raw_ms: list[float] = []
            for number in range(repeat):  # alternate, and alternate which goes first
                sides = [(query.repository, repository_ms), (query.raw, raw_ms)]
                for run, into in sides if number % 2 == 0 else reversed(sides):
                    watch = Stopwatch()
                    await run(session)
                    into.append(watch.seconds * 1000)
            pairs = [r / w for r, w in zip(repository_ms, raw_ms, strict=True)]
            timing = Timing(store.kind, query.name, size_of(as_raw), median(repository_ms), median(raw_ms), pairs)
            timings.append(timing)
            console.print(
                f"    {query.name}: {timing.rows} rows, repository {timing.repository_ms:.2f} ms, "
                f"raw {timing.raw_ms:.2f} ms (medians of {repeat})"
            )


def report(timings: list[Timing], n: int, repeat: int) -> None:
    rows = []
    for t in timings:
        low, _, high = statistics.quantiles(t.pair_ratios, n=4) if len(t.pair_ratios) > 1 else [t.pair_ratios[0]] * 3
        rows.append([
            t.store, t.query, str(t.rows), f"{t.repository_ms:.2f}", f"{t.raw_ms:.2f}",
            ratio(t.repository_ms / t.raw_ms), f"{low:.2f}-{high:.2f}",
        ])  # fmt: skip
    figures_table(
        f"store queries on {n} accounts: repository (SQLAlchemy) time as a ratio to the same SQL as raw text",
        ["store", "query", "rows", "repository ms", "raw ms", "ratio", "pairs p25-p75"],
        rows,
        caption=f"ms: medians of {repeat} alternating runs on one connection; ratio = repository / raw "
        "(1.00x: no overhead); pairs: the quartiles of the run-by-run ratios",
    )


async def main() -> int:
    def options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--repeat", type=int, default=None, help="runs of each query per side (default by --n)")

    args = parse_args(DESCRIPTION, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="accounts", extra=options)
    repeat = args.repeat or max(9, min(25, 400_000 // args.n))
    timings: list[Timing] = []

    async def on(store_factory: Callable[[], Any]) -> None:
        async with store_factory() as store:
            await measure(store, args.n, repeat, timings)

    ok = await run_part("SQLite", lambda: on(sqlite_store), show_traceback=args.traceback)
    ok &= await run_part("PostgreSQL", lambda: on(postgres_store), show_traceback=args.traceback)
    if timings:
        report(timings, args.n, repeat)
    else:
        console.print("no figures: every part was skipped or failed")
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
