"""Portfolio reports from the store alone (no Temporal): aging and KPIs.

Every figure comes from an SQL aggregate in store.reports; this module only names and divides them.
Days are UTC days; a period is `first` to `last`, both included; "at the period start" is the book
at the end of the day before `first`, "at the period end" the book at the end of `last` (see
store.reports for how a past day's book is rebuilt). The figures, one line each:

- open balance: the balances above zero of accounts whose stage is not terminal (or not started);
- DSO (days sales outstanding) = open balance at the period end / (collected in the period / days
  in the period); none when nothing was collected;
- roll rate b→next = of the accounts open in bucket b at the period start, the share open in a
  later bucket at the period end;
- cure rate = accounts that reached paid or settled in the period / accounts open at some point in
  the period (open at the period start, or loaded during it with a balance);
- promise-kept rate = kept / (kept + broken), among the promises judged in the period;
- right-party-contact rate = accounts with a conversation outcome (right_party_contact,
  promise_to_pay, refused) reported in the period / accounts with a contact attempt that went out
  (sent or unconfirmed) in the period;
- liquidation rate = collected in the period / (open balance at the period start + the original
  balances of the accounts loaded during the period);
- collected by channel: the payments received in the period, each credited to the channel of the
  last contact that went out to the account on or before the day it was received ("none");
- collected by agency: the payments received in the period that earned an agency placement its
  commission, by agency (the others "in-house"), with the commission;
- holds opened and closed: holds placed, and holds released, in the period, by kind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import report_book, reports
from store.db import ensure_schema, make_engine, make_session_factory
from store.reports import BUCKETS, Period

Sessions = async_sessionmaker[AsyncSession]
RATE_DIGITS = 4


@asynccontextmanager
async def store_sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on the store (migrated if empty), for the commands that need no Temporal server."""
    await ensure_schema(database_url)
    engine = make_engine(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, RATE_DIGITS) if whole else None


# ---- aging ----


def bucket_table(rows: Sequence[tuple[Any, ...]]) -> dict[str, dict[str, int]]:
    """(bucket, accounts, cents) rows as {bucket: {accounts, balance_cents}} over every bucket, and 'total'."""
    found = {bucket: (accounts, cents) for bucket, accounts, cents in rows}
    table = {b: {"accounts": found.get(b, (0, 0))[0], "balance_cents": found.get(b, (0, 0))[1]} for b in BUCKETS}
    table["total"] = {
        "accounts": sum(n for n, _ in found.values()),
        "balance_cents": sum(cents for _, cents in found.values()),
    }
    return table


def grouped_tables(rows: Sequence[tuple[Any, ...]]) -> dict[str, dict[str, dict[str, int]]]:
    groups: dict[str, list[tuple[Any, ...]]] = {}
    for group, *rest in rows:
        groups.setdefault(str(group), []).append(tuple(rest))
    return {group: bucket_table(groups[group]) for group in sorted(groups)}


async def aging(sessions: Sessions, *, as_of: date, today: date) -> dict[str, Any]:
    """Open accounts and balances by days-past-due bucket at the end of `as_of`: the portfolio, by
    creditor, by segment."""
    async with sessions() as session:
        book = report_book.open_accounts(as_of, today=today)
        portfolio = await report_book.aging_buckets(session, as_of=as_of, accounts=book)
        creditors = await report_book.aging_buckets(session, as_of=as_of, by="creditor", accounts=book)
        segments = await report_book.aging_buckets(session, as_of=as_of, by="segment", accounts=book)
    return {
        "as_of": as_of.isoformat(),
        "buckets": list(BUCKETS),
        "portfolio": bucket_table(portfolio),
        "by_creditor": grouped_tables(creditors),
        "by_segment": grouped_tables(segments),
    }


# ---- KPIs ----


def _roll_rates(counts: Sequence[report_book.RollCount]) -> list[dict[str, Any]]:
    rolled = []
    for number, bucket in enumerate(BUCKETS[:-1]):
        mine = [c for c in counts if c.from_bucket == bucket]
        accounts = sum(c.accounts for c in mine)
        later = sum(c.accounts for c in mine if c.to_bucket is not None and BUCKETS.index(c.to_bucket) > number)
        rolled.append({
            "from": bucket, "to": BUCKETS[number + 1], "accounts": accounts, "rolled": later,
            "rate": rate(later, accounts),
        })  # fmt: skip
    return rolled


async def kpis(sessions: Sessions, period: Period, *, today: date) -> dict[str, Any]:
    """The period's KPIs (defined in this module's docstring), each with what it is made of."""
    before = period.first - timedelta(days=1)
    async with sessions() as session:
        start = await report_book.open_book(session, report_book.open_accounts(before, today=today))
        end = await report_book.open_book(session, report_book.open_accounts(period.last, today=today))
        loaded = await reports.loaded_in(session, period)
        payments, collected = await reports.collected(session, period)
        rolls = await report_book.roll_counts(session, period, today=today)
        cured = await reports.cured_in(session, period)
        promises = await reports.promises_resolved(session, period)
        attempted, reached = await reports.contact_reach(session, period)
        by_channel = await reports.collections(session, period, by=["channel"])
        by_agency = await reports.collections(session, period, by=["agency"])
        opened, released = await reports.holds_moved(session, period)
    kept, broken = promises.get("kept", 0), promises.get("broken", 0)
    open_in_period = start[0] + loaded[0]
    base = start[1] + loaded[1]
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "days": period.days,
        "open_at_start": {"accounts": start[0], "balance_cents": start[1]},
        "open_at_end": {"accounts": end[0], "balance_cents": end[1]},
        "loaded": {"accounts": loaded[0], "balance_cents": loaded[1]},
        "collected": {"payments": payments, "amount_cents": collected},
        "dso_days": round(end[1] * period.days / collected, 1) if collected else None,
        "roll_rates": _roll_rates(rolls),
        "roll_matrix": [{"from": c.from_bucket, "to": c.to_bucket, "accounts": c.accounts} for c in rolls],
        "cure": {"cured": cured, "open_in_period": open_in_period, "rate": rate(cured, open_in_period)},
        "promise_kept": {"kept": kept, "broken": broken, "rate": rate(kept, kept + broken)},
        "right_party_contact": {"reached": reached, "attempted": attempted, "rate": rate(reached, attempted)},
        "liquidation": {"collected_cents": collected, "base_cents": base, "rate": rate(collected, base)},
        "collected_by_channel": {
            str(c.channel): {"payments": c.payments, "amount_cents": c.amount_cents} for c in by_channel
        },
        "collected_by_agency": {
            str(c.agency): {
                "payments": c.payments,
                "amount_cents": c.amount_cents,
                "commission_cents": c.commission_cents,
            }
            for c in by_agency
        },
        "holds": {"opened": dict(sorted(opened.items())), "closed": dict(sorted(released.items()))},
    }
