"""Portfolio reports: SQL aggregates over the store, the same on SQLite and PostgreSQL.

Days are UTC days. "As of day D" is the book at the end of D (the instant D+1 00:00 UTC): the
accounts loaded by then, each at the stage of its last `stage.changed` audit entry before then and
with its balance before the later payments (by received date), write-offs, settlements and
adjustments (by audit time) put back. The book of a day today or later is the accounts table as it
stands (nothing after it has happened yet), which needs no reconstruction.

An account is *open* when its stage is not terminal (or no workflow has started yet) and its
balance is above zero; its days past due are D minus its due date, and its bucket follows from
them ("current": not yet past due).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Date, Select, Subquery, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from domain.contact import CONVERSATION_OUTCOMES
from domain.disclosure import shown_creditor
from domain.stages import TERMINAL_STAGES, Stage
from store.models import (
    AccountRow,
    AuditEntryRow,
    ContactAttemptRow,
    HoldRow,
    PaymentRow,
    PlacementRow,
    PromiseRow,
)

AGING_BUCKETS: tuple[tuple[str, int], ...] = (
    ("current", 0), ("1-30", 30), ("31-60", 60), ("61-90", 90), ("91-120", 120), ("121-180", 180),
)  # fmt: skip
"""(bucket, most days past due in it); "current" is 0 days: not yet past due."""
OLDEST = "180+"
"""181 days past due or more."""
BUCKETS: tuple[str, ...] = (*(name for name, _ in AGING_BUCKETS), OLDEST)
TERMINAL = sorted(stage.value for stage in TERMINAL_STAGES)
CURED = (Stage.PAID.value, Stage.SETTLED.value)
WRITE_DOWNS = {
    "account.written_off": "amount_cents",
    "account.settled": "forgiven_cents",
    "balance.adjusted": "amount_cents",
}
"""Audit actions that take money off a balance without a payment, and the detail key with the amount."""
WRITE_DOWN_KINDS = {
    "account.written_off": "write_off",
    "account.settled": "settlement",
    "balance.adjusted": "adjustment",
}
CONVERSATIONS = sorted(outcome.value for outcome in CONVERSATION_OUTCOMES)
"""Outcomes that mean the debtor was spoken to: a right-party contact."""
WENT_OUT = ("sent", "unconfirmed")
"""Attempt statuses of a contact that left (an unconfirmed email may have)."""
NO_CHANNEL, IN_HOUSE = "none", "in-house"
NOT_OPEN = -1


class utc_date(FunctionElement[date]):  # noqa: N801 - a SQL function, named like one
    """The UTC calendar day of a timestamp column."""

    type = Date()
    name = "utc_date"
    inherit_cache = True


@compiles(utc_date)
def _utc_date(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"  # stored as naive UTC text


class money_sum(FunctionElement[int]):  # noqa: N801 - a SQL function, named like one
    """SUM of cents that a bad row cannot make fail: SQLite's sum() raises "integer overflow" past 2^63,
    its total() does not (exact below 2^53 cents, $90 trillion; larger sums are capped)."""

    type = BigInteger()
    name = "money_sum"
    inherit_cache = True


@compiles(money_sum)
def _money_sum(element: money_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"sum({compiler.process(element.clauses, **kw)})"


@compiles(money_sum, "sqlite")
def _money_sum_sqlite(element: money_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(total({compiler.process(element.clauses, **kw)}) AS INTEGER)"


def end_of(day: date) -> datetime:
    """The instant day D ends: D+1 00:00 UTC."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    """The days `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")

    @property
    def start(self) -> datetime:
        return end_of(self.first - timedelta(days=1))

    @property
    def end(self) -> datetime:
        return end_of(self.last)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def holds(self, column: Any) -> ColumnElement[bool]:
        """A timestamp column inside the period."""
        return and_(column >= self.start, column < self.end)

    def holds_day(self, column: Any) -> ColumnElement[bool]:
        """A date column inside the period."""
        return column.between(self.first, self.last)


# ---- the book of a day ----


def open_accounts_now(name: str = "open_accounts") -> Subquery:
    """The open accounts as they stand: account_id, creditor, medical, segment, due_date, balance_cents."""
    return (
        select(AccountRow.account_id, AccountRow.creditor, AccountRow.medical, AccountRow.segment,
               AccountRow.due_date, AccountRow.balance_cents)
        .where(AccountRow.balance_cents > 0, or_(AccountRow.stage.is_(None), AccountRow.stage.not_in(TERMINAL)))
        .subquery(name)
    )  # fmt: skip


def _write_down_cents() -> ColumnElement[int]:
    return case(
        *[
            (AuditEntryRow.action == action, AuditEntryRow.detail[key].as_integer())
            for action, key in WRITE_DOWNS.items()
        ],
        else_=0,
    )


def open_accounts_as_of(day: date, name: str = "open_accounts") -> Subquery:
    """The accounts open at the end of `day`, rebuilt from payments and the audit log (same columns)."""
    cutoff = end_of(day)
    paid_after = (
        select(PaymentRow.account_id, money_sum(PaymentRow.amount_cents).label("cents"))
        .where(PaymentRow.received_on > day)
        .group_by(PaymentRow.account_id)
        .subquery("paid_after")
    )
    written_after = (
        select(AuditEntryRow.account_id, money_sum(_write_down_cents()).label("cents"))
        .where(AuditEntryRow.action.in_(list(WRITE_DOWNS)), AuditEntryRow.at >= cutoff)
        .group_by(AuditEntryRow.account_id)
        .subquery("written_after")
    )
    last_change = (
        select(AuditEntryRow.account_id, func.max(AuditEntryRow.id).label("entry_id"))
        .where(AuditEntryRow.action == "stage.changed", AuditEntryRow.at < cutoff)
        .group_by(AuditEntryRow.account_id)
        .subquery("last_change")
    )
    change = aliased(AuditEntryRow, name="stage_change")
    stage = change.detail["to"].as_string()
    balance = AccountRow.balance_cents + func.coalesce(paid_after.c.cents, 0) + func.coalesce(written_after.c.cents, 0)
    return (
        select(AccountRow.account_id, AccountRow.creditor, AccountRow.medical, AccountRow.segment,
               AccountRow.due_date, balance.label("balance_cents"))
        .outerjoin(paid_after, paid_after.c.account_id == AccountRow.account_id)
        .outerjoin(written_after, written_after.c.account_id == AccountRow.account_id)
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


# ---- period figures ----


async def collected(session: AsyncSession, period: Period) -> tuple[int, int]:
    """(payments, cents) received in the period."""
    count, total = (
        await session.execute(
            select(func.count(), func.coalesce(money_sum(PaymentRow.amount_cents), 0)).where(
                period.holds_day(PaymentRow.received_on)
            )
        )
    ).one()
    return int(count), int(total)


async def loaded_in(session: AsyncSession, period: Period) -> tuple[int, int]:
    """(accounts, original balance cents) loaded in the period with a balance to collect."""
    count, total = (
        await session.execute(
            select(func.count(), func.coalesce(money_sum(AccountRow.original_balance_cents), 0)).where(
                period.holds(AccountRow.created_at), AccountRow.original_balance_cents > 0
            )
        )
    ).one()
    return int(count), int(total)


async def cured_in(session: AsyncSession, period: Period) -> int:
    """Accounts that reached paid or settled in the period."""
    query = select(func.count()).where(AccountRow.stage.in_(CURED), period.holds(AccountRow.stage_changed_at))
    return int(await session.scalar(query) or 0)


async def promises_resolved(session: AsyncSession, period: Period) -> dict[str, int]:
    """Promises judged in the period, by status ('kept', 'broken')."""
    query = (
        select(PromiseRow.status, func.count())
        .where(PromiseRow.resolved_at.is_not(None), period.holds(PromiseRow.resolved_at))
        .group_by(PromiseRow.status)
    )
    return {str(status): int(count) for status, count in await session.execute(query)}


async def contact_reach(session: AsyncSession, period: Period) -> tuple[int, int]:
    """(accounts with a contact attempt that went out in the period, accounts with a conversation
    outcome reported in the period)."""
    attempted = select(func.count(func.distinct(ContactAttemptRow.account_id))).where(
        ContactAttemptRow.status.in_(WENT_OUT), period.holds(ContactAttemptRow.at)
    )
    reached = select(func.count(func.distinct(ContactAttemptRow.account_id))).where(
        ContactAttemptRow.outcome.in_(CONVERSATIONS),
        ContactAttemptRow.outcome_at.is_not(None),
        period.holds(ContactAttemptRow.outcome_at),
    )
    return int(await session.scalar(attempted) or 0), int(await session.scalar(reached) or 0)


@dataclass(frozen=True)
class CollectionTotal:
    day: date | None
    channel: str | None
    agency: str | None
    payments: int
    amount_cents: int
    commission_cents: int


COLLECTION_KEYS = ("day", "channel", "agency")


def _payments_attributed(period: Period) -> Subquery:
    """Each payment of the period: its day, the channel of the last contact that went out on or
    before that day ('none'), the agency of the placement it earned commission for ('in-house')."""
    last_channel = (
        select(ContactAttemptRow.channel)
        .where(
            ContactAttemptRow.account_id == PaymentRow.account_id,
            ContactAttemptRow.status.in_(WENT_OUT),
            utc_date(ContactAttemptRow.at) <= PaymentRow.received_on,
        )
        .order_by(ContactAttemptRow.at.desc(), ContactAttemptRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    placement = and_(
        PlacementRow.account_id == PaymentRow.account_id, PlacementRow.placement_no == PaymentRow.placement_no
    )
    return (
        select(
            PaymentRow.received_on.label("day"),
            func.coalesce(last_channel, NO_CHANNEL).label("channel"),
            func.coalesce(PlacementRow.agency_id, IN_HOUSE).label("agency"),
            PaymentRow.amount_cents,
            PaymentRow.commission_cents,
        )
        .outerjoin(PlacementRow, placement)
        .where(period.holds_day(PaymentRow.received_on))
        .subquery("attributed")
    )


async def collections(session: AsyncSession, period: Period, *, by: Sequence[str]) -> list[CollectionTotal]:
    """Payments received in the period grouped by any of 'day', 'channel', 'agency' (in that order)."""
    unknown = set(by) - set(COLLECTION_KEYS)
    if unknown:
        raise ValueError(f"collections group by {', '.join(COLLECTION_KEYS)}, not {', '.join(sorted(unknown))}")
    payments = _payments_attributed(period)
    keys = [payments.c[key] for key in COLLECTION_KEYS if key in by]
    query = select(
        *keys,
        func.count(),
        func.coalesce(money_sum(payments.c.amount_cents), 0),
        func.coalesce(money_sum(payments.c.commission_cents), 0),
    )
    if keys:
        query = query.group_by(*keys).order_by(*keys)
    totals = []
    for row in await session.execute(query):
        named = dict(zip((key.name for key in keys), row, strict=False))
        totals.append(
            CollectionTotal(
                named.get("day"), named.get("channel"), named.get("agency"), int(row[-3]), int(row[-2]), int(row[-1])
            )
        )
    return totals


async def holds_moved(session: AsyncSession, period: Period) -> tuple[dict[str, int], dict[str, int]]:
    """(holds opened, holds released) in the period, by kind."""
    opened = select(HoldRow.kind, func.count()).where(period.holds(HoldRow.placed_at)).group_by(HoldRow.kind)
    closed = (
        select(HoldRow.kind, func.count())
        .where(HoldRow.released_at.is_not(None), period.holds(HoldRow.released_at))
        .group_by(HoldRow.kind)
    )
    return (
        {str(kind): int(n) for kind, n in await session.execute(opened)},
        {str(kind): int(n) for kind, n in await session.execute(closed)},
    )


# ---- listings: write-downs, placements, recalls ----


@dataclass(frozen=True)
class WriteDown:
    day: date
    at: datetime
    account_id: str
    creditor: str
    kind: str
    """'write_off', 'settlement' (the amount forgiven) or 'adjustment'."""
    amount_cents: int
    note: str | None
    """A write-off's or adjustment's reason, a settlement's plan number."""


def _write_downs() -> Select[Any]:
    note = func.coalesce(AuditEntryRow.detail["reason"].as_string(), AuditEntryRow.detail["plan_no"].as_string())
    return (
        select(
            utc_date(AuditEntryRow.at), AuditEntryRow.at, AuditEntryRow.account_id, AccountRow.creditor,
            AccountRow.medical, AuditEntryRow.action, _write_down_cents(), note,
        )
        .join(AccountRow, AccountRow.account_id == AuditEntryRow.account_id)
        .where(AuditEntryRow.action.in_(list(WRITE_DOWNS)))
        .order_by(AuditEntryRow.at, AuditEntryRow.id)
    )  # fmt: skip


async def write_downs(
    session: AsyncSession, *, period: Period | None = None, account_id: str | None = None
) -> list[WriteDown]:
    """Write-offs, settlement forgiveness and adjustments (amount above zero), oldest first: those of
    the period, of one account, or both."""
    query = _write_downs().where(_write_down_cents() > 0)
    if period is not None:
        query = query.where(period.holds(AuditEntryRow.at))
    if account_id is not None:
        query = query.where(AuditEntryRow.account_id == account_id)
    return [
        WriteDown(
            day,
            at,
            account,
            shown_creditor(creditor, medical),
            WRITE_DOWN_KINDS[action],
            int(cents),
            _note(action, note),
        )  # fmt: skip
        for day, at, account, creditor, medical, action, cents, note in await session.execute(query)
    ]


def _note(action: str, note: object) -> str | None:
    if note is None:
        return None
    return f"plan {note}" if action == "account.settled" else str(note)


@dataclass(frozen=True)
class PlacementEvent:
    day: date
    account_id: str
    placement_no: int
    agency_id: str
    balance_placed_cents: int
    commission_bps: int
    collected_cents: int
    reason: str | None
    """The recall's reason (recalls only)."""


async def placement_events(session: AsyncSession, period: Period, *, recalls: bool) -> list[PlacementEvent]:
    """Placements made in the period, or (`recalls`) placements recalled in it, oldest first."""
    when = PlacementRow.recalled_at if recalls else PlacementRow.placed_at
    query = (
        select(
            utc_date(when), PlacementRow.account_id, PlacementRow.placement_no, PlacementRow.agency_id,
            PlacementRow.balance_placed_cents, PlacementRow.commission_bps, PlacementRow.collected_cents,
            PlacementRow.recall_reason if recalls else literal(None),
        )
        .where(when.is_not(None), period.holds(when))
        .order_by(when, PlacementRow.id)
    )  # fmt: skip
    return [
        PlacementEvent(day, account, number, agency, int(placed), int(bps), int(got), reason)
        for day, account, number, agency, placed, bps, got, reason in await session.execute(query)
    ]
