"""Portfolio reports: SQL aggregates over the store, the same on SQLite and PostgreSQL.

Days are UTC days. This module holds the aging buckets, the period and the figures of a period;
store/report_book.py the book of a day (open accounts, aging, roll rates); store/report_listings.py
the write-downs, placements and recalls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Date, Subquery, and_, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from domain.contact import CONVERSATION_OUTCOMES
from domain.stages import TERMINAL_STAGES, Stage
from store.models import (
    AccountRow,
    AuditEntryRow,
    ContactAttemptRow,
    HoldRow,
    PaymentReversalRow,
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
    "creditor.credited": "amount_cents",
}
"""Audit actions that take money off a balance without a payment, and the detail key with the amount."""
CONVERSATIONS = sorted(outcome.value for outcome in CONVERSATION_OUTCOMES)
"""Outcomes that mean the debtor was spoken to: a right-party contact."""
WENT_OUT = ("sent", "unconfirmed")
"""Attempt statuses of a contact that left (an unconfirmed email may have)."""
NO_CHANNEL, IN_HOUSE = "none", "in-house"


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


def write_down_cents() -> ColumnElement[int]:
    """The amount an audit entry of WRITE_DOWNS took off the balance (0 for any other entry)."""
    return case(
        *[
            (AuditEntryRow.action == action, AuditEntryRow.detail[key].as_integer())
            for action, key in WRITE_DOWNS.items()
        ],
        else_=0,
    )


# ---- period figures ----


async def collected(session: AsyncSession, period: Period) -> tuple[int, int]:
    """(payments, cents) received in the period, less the payments reversed in it (on the day recorded)."""
    count, total = (
        await session.execute(
            select(func.count(), func.coalesce(money_sum(PaymentRow.amount_cents), 0)).where(
                period.holds_day(PaymentRow.received_on)
            )
        )
    ).one()
    reversed_on = utc_date(PaymentReversalRow.recorded_at)
    returned, returned_cents = (
        await session.execute(
            select(func.count(), func.coalesce(money_sum(PaymentReversalRow.amount_cents), 0)).where(
                period.holds_day(reversed_on)
            )
        )
    ).one()
    return int(count) - int(returned), int(total) - int(returned_cents)


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
    """Each payment of the period, and each reversal of one (its amount and commission negative, on the day it
    was recorded): its day, the channel of the last contact that went out on or before the payment's day
    ('none'), the agency of the placement it earned commission for ('in-house'); `counted` is 1 for a payment,
    -1 for a reversal (a reversed payment does not count)."""
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
    channel = func.coalesce(last_channel, NO_CHANNEL).label("channel")
    agency = func.coalesce(PlacementRow.agency_id, IN_HOUSE).label("agency")
    payments = (
        select(
            PaymentRow.received_on.label("day"), channel, agency, literal(1).label("counted"),
            PaymentRow.amount_cents.label("amount_cents"), PaymentRow.commission_cents.label("commission_cents"),
        )
        .outerjoin(PlacementRow, placement)
        .where(period.holds_day(PaymentRow.received_on))
    )  # fmt: skip
    reversed_on = utc_date(PaymentReversalRow.recorded_at)
    reversed_ = (
        select(
            reversed_on.label("day"), channel, agency, literal(-1).label("counted"),
            (-PaymentReversalRow.amount_cents).label("amount_cents"),
            (-PaymentReversalRow.clawback_cents).label("commission_cents"),
        )
        .join(PaymentRow, PaymentRow.id == PaymentReversalRow.payment_id)
        .outerjoin(PlacementRow, placement)
        .where(period.holds_day(reversed_on))
    )  # fmt: skip
    return union_all(payments, reversed_).subquery("attributed")


async def collections(session: AsyncSession, period: Period, *, by: Sequence[str]) -> list[CollectionTotal]:
    """Payments received in the period grouped by any of 'day', 'channel', 'agency' (in that order)."""
    unknown = set(by) - set(COLLECTION_KEYS)
    if unknown:
        raise ValueError(f"collections group by {', '.join(COLLECTION_KEYS)}, not {', '.join(sorted(unknown))}")
    payments = _payments_attributed(period)
    keys = [payments.c[key] for key in COLLECTION_KEYS if key in by]
    query = select(
        *keys,
        func.coalesce(func.sum(payments.c.counted), 0),
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
