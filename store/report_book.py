"""The book of a day: the accounts open at its end, their aging buckets, and how they rolled.

Days are UTC days. "As of day D" is the book at the end of D (the instant D+1 00:00 UTC): the
accounts loaded by then, each at the stage of its last `stage.changed` audit entry before then and
with its balance before the later payments (by received date), write-offs, settlements,
adjustments and creditor's credits (by audit time) put back, and the creditor's later charges (by the
time they were recorded) taken off. The book of a day today or later is the accounts table as it
stands (nothing after it has happened yet), which needs no reconstruction.

An account is *open* when its stage is not terminal (or no workflow has started yet) and its
balance is above zero; its days past due are D minus its due date, and its bucket follows from
them ("current": not yet past due). The buckets are named in store/reports.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Subquery, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from domain.disclosure import shown_creditor
from domain.itemization import CHARGE
from store.models import AccountRow, AuditEntryRow, CreditorEntryRow, PaymentReversalRow, PaymentRow
from store.reports import (
    AGING_BUCKETS,
    BUCKETS,
    OLDEST,
    TERMINAL,
    WRITE_DOWNS,
    Period,
    end_of,
    money_sum,
    write_down_cents,
)

NOT_OPEN = -1


def open_accounts_now(name: str = "open_accounts") -> Subquery:
    """The open accounts as they stand: account_id, creditor, medical, segment, due_date, balance_cents."""
    return (
        select(AccountRow.account_id, AccountRow.creditor, AccountRow.medical, AccountRow.segment,
               AccountRow.due_date, AccountRow.balance_cents)
        .where(AccountRow.balance_cents > 0, or_(AccountRow.stage.is_(None), AccountRow.stage.not_in(TERMINAL)))
        .subquery(name)
    )  # fmt: skip


def open_accounts_as_of(day: date, name: str = "open_accounts") -> Subquery:
    """The accounts open at the end of `day`, rebuilt from payments, reversals, charges and the audit log (same
    columns)."""
    cutoff = end_of(day)
    paid_after = (
        select(PaymentRow.account_id, money_sum(PaymentRow.amount_cents).label("cents"))
        .where(PaymentRow.received_on > day)
        .group_by(PaymentRow.account_id)
        .subquery("paid_after")
    )
    written_after = (
        select(AuditEntryRow.account_id, money_sum(write_down_cents()).label("cents"))
        .where(AuditEntryRow.action.in_(list(WRITE_DOWNS)), AuditEntryRow.at >= cutoff)
        .group_by(AuditEntryRow.account_id)
        .subquery("written_after")
    )
    charged_after = (
        select(CreditorEntryRow.account_id, money_sum(CreditorEntryRow.amount_cents).label("cents"))
        .where(CreditorEntryRow.kind == CHARGE, CreditorEntryRow.recorded_at >= cutoff)
        .group_by(CreditorEntryRow.account_id)
        .subquery("charged_after")
    )
    reversed_after = (
        select(PaymentReversalRow.account_id, money_sum(PaymentReversalRow.amount_cents).label("cents"))
        .where(PaymentReversalRow.recorded_at >= cutoff)
        .group_by(PaymentReversalRow.account_id)
        .subquery("reversed_after")
    )
    last_change = (
        select(AuditEntryRow.account_id, func.max(AuditEntryRow.id).label("entry_id"))
        .where(AuditEntryRow.action == "stage.changed", AuditEntryRow.at < cutoff)
        .group_by(AuditEntryRow.account_id)
        .subquery("last_change")
    )
    change = aliased(AuditEntryRow, name="stage_change")
    stage = change.detail["to"].as_string()
    balance = (
        AccountRow.balance_cents
        + func.coalesce(paid_after.c.cents, 0)
        + func.coalesce(written_after.c.cents, 0)
        - func.coalesce(charged_after.c.cents, 0)
        - func.coalesce(reversed_after.c.cents, 0)
    )
    return (
        select(AccountRow.account_id, AccountRow.creditor, AccountRow.medical, AccountRow.segment,
               AccountRow.due_date, balance.label("balance_cents"))
        .outerjoin(paid_after, paid_after.c.account_id == AccountRow.account_id)
        .outerjoin(written_after, written_after.c.account_id == AccountRow.account_id)
        .outerjoin(charged_after, charged_after.c.account_id == AccountRow.account_id)
        .outerjoin(reversed_after, reversed_after.c.account_id == AccountRow.account_id)
        .outerjoin(last_change, last_change.c.account_id == AccountRow.account_id)
        .outerjoin(change, change.id == last_change.c.entry_id)
        .where(AccountRow.created_at < cutoff, balance > 0, or_(stage.is_(None), stage.not_in(TERMINAL)))
        .subquery(name)
    )  # fmt: skip


def open_accounts(day: date, *, today: date, name: str = "open_accounts") -> Subquery:
    """The open accounts at the end of `day`: as they stand when `day` is today or later, else rebuilt."""
    return open_accounts_now(name) if day >= today else open_accounts_as_of(day, name)


def bucket_of(due_date: Any, as_of: date) -> ColumnElement[str]:
    """The aging bucket's name of a due date, days past due counted at `as_of`."""
    return case(*[(due_date >= as_of - timedelta(days=days), name) for name, days in AGING_BUCKETS], else_=OLDEST)


def _bucket_number(due_date: Any, as_of: date) -> ColumnElement[int]:
    """0 (current) to 6 (180+): the bucket's place in BUCKETS."""
    return case(
        *[(due_date >= as_of - timedelta(days=days), n) for n, (_, days) in enumerate(AGING_BUCKETS)],
        else_=len(AGING_BUCKETS),
    )


# ---- aging ----


async def aging_buckets(
    session: AsyncSession, *, as_of: date, by: str | None = None, accounts: Subquery | None = None
) -> list[tuple[Any, ...]]:
    """Open accounts by bucket, ordered by the bucket's name: (bucket, accounts, balance cents), with
    the `by` column ('creditor' or 'segment') first when given. `accounts`: the open accounts to age
    (default: as they stand; `open_accounts(as_of, today=...)` for the book of `as_of`)."""
    book = open_accounts_now() if accounts is None else accounts
    bucket = bucket_of(book.c.due_date, as_of).label("bucket")
    groups: list[ColumnElement[Any]] = [bucket] if by is None else [book.c[by], bucket]
    if by == "creditor":  # a medical creditor by its billing name (domain.disclosure): grouped again below
        groups.insert(1, book.c.medical)
    query = select(*groups, func.count(), money_sum(book.c.balance_cents)).group_by(*groups).order_by(*groups)
    found = [(*keys, int(count), int(total)) for *keys, count, total in await session.execute(query)]
    return found if by != "creditor" else _by_shown_creditor(found)


def _by_shown_creditor(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """(creditor, medical, bucket, accounts, cents) -> (creditor as shown, bucket, accounts, cents), summed."""
    merged: dict[tuple[str, str], list[int]] = {}
    for creditor, medical, bucket, count, total in rows:
        sums = merged.setdefault((shown_creditor(creditor, medical), bucket), [0, 0])
        sums[0], sums[1] = sums[0] + count, sums[1] + total
    return [(creditor, bucket, count, total) for (creditor, bucket), (count, total) in sorted(merged.items())]


async def open_book(session: AsyncSession, accounts: Subquery) -> tuple[int, int]:
    """(accounts, balance cents) of a book of open accounts."""
    count, total = (
        await session.execute(select(func.count(), func.coalesce(money_sum(accounts.c.balance_cents), 0)))
    ).one()
    return int(count), int(total)


@dataclass(frozen=True)
class RollCount:
    from_bucket: str
    to_bucket: str | None
    """None: no longer open at the end."""
    accounts: int


async def roll_counts(session: AsyncSession, period: Period, *, today: date) -> list[RollCount]:
    """The accounts open at the period start, by their bucket then and their bucket at the end."""
    before = period.first - timedelta(days=1)
    start = open_accounts(before, today=today, name="open_at_start")
    end = open_accounts(period.last, today=today, name="open_at_end")
    was = _bucket_number(start.c.due_date, before).label("was")
    now = case((end.c.account_id.is_(None), NOT_OPEN), else_=_bucket_number(end.c.due_date, period.last)).label("now")
    query = (
        select(was, now, func.count())
        .select_from(start.outerjoin(end, end.c.account_id == start.c.account_id))
        .group_by(was, now)
        .order_by(was, now)
    )
    return [
        RollCount(BUCKETS[w], None if n == NOT_OPEN else BUCKETS[n], int(count))
        for w, n, count in await session.execute(query)
    ]
