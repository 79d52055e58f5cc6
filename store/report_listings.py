"""Listings of a period or an account: write-downs (write-offs, settlement forgiveness, adjustments),
placements and recalls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.disclosure import shown_creditor
from store.models import AccountRow, AuditEntryRow, PlacementRow
from store.reports import WRITE_DOWNS, Period, utc_date, write_down_cents

WRITE_DOWN_KINDS = {
    "account.written_off": "write_off",
    "account.settled": "settlement",
    "balance.adjusted": "adjustment",
    "creditor.credited": "creditor_credit",
}


@dataclass(frozen=True)
class WriteDown:
    day: date
    at: datetime
    account_id: str
    creditor: str
    kind: str
    """'write_off', 'settlement' (the amount forgiven), 'adjustment' or 'creditor_credit' (the creditor's)."""
    amount_cents: int
    note: str | None
    """A write-off's or adjustment's reason, a settlement's plan number."""


def _write_downs() -> Select[Any]:
    note = func.coalesce(AuditEntryRow.detail["reason"].as_string(), AuditEntryRow.detail["plan_no"].as_string())
    return (
        select(
            utc_date(AuditEntryRow.at), AuditEntryRow.at, AuditEntryRow.account_id, AccountRow.creditor,
            AccountRow.medical, AuditEntryRow.action, write_down_cents(), note,
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
    query = _write_downs().where(write_down_cents() > 0)
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
