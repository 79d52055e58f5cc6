"""Creditor changes to a balance: charges and credits, applied once per the creditor's reference on an account.

Audited `creditor.charged` / `creditor.credited` under the person who entered them. A credit is also a
write-down for the reports (store/reports.py WRITE_DOWNS): it takes money off without the debtor paying.
A charge's description stays in its row: never in the audit detail (a medical service line is health data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bounds import CEILING_CENTS
from domain.creditor_messages import CHARGE
from store.audit import audit_values
from store.errors import AmountOutOfRange
from store.idempotent import insert_once, locked_account
from store.models import AccountRow, AuditEntryRow, CreditorEntryRow
from store.reports import Period

ACTOR_LENGTH = 32
"""The audit log's actor column."""
CHARGED, CREDITED = "creditor.charged", "creditor.credited"


@dataclass(frozen=True)
class CreditorEntryView:
    entry_id: int
    account_id: str
    kind: str
    reference: str
    amount_cents: int
    """Added to the balance: positive for a charge, negative for a credit."""
    service_date: date | None
    description: str | None
    balance_after_cents: int
    entered_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class CreditorEntryOutcome:
    applied: bool
    balance_cents: int


async def record_creditor_entry(
    session: AsyncSession,
    *,
    account_id: str,
    kind: str,
    reference: str,
    amount_cents: int,
    entered_by: str,
    now: datetime,
    service_date: date | None = None,
    description: str | None = None,
) -> CreditorEntryOutcome:
    """Add `amount_cents` (a charge: positive; a credit: negative) to the balance once per (account, reference).

    A credit may take the balance below zero: a credit balance, to refund. A reference seen before changes
    nothing and returns the balance as it stands. The account's row lock orders concurrent writers.
    """
    if amount_cents == 0 or abs(amount_cents) > CEILING_CENTS:
        raise AmountOutOfRange(f"a creditor's {kind} of {amount_cents} cents is zero or over the store's ceiling")
    account_row = None

    async def lock() -> None:
        nonlocal account_row
        account_row = await locked_account(session, account_id)

    async def insert() -> CreditorEntryRow:
        assert account_row is not None  # locked first (insert_once runs `lock` before `insert`)
        account_row.balance_cents += amount_cents
        account_row.updated_at = now
        row = CreditorEntryRow(
            account_id=account_id, kind=kind, reference=reference, amount_cents=amount_cents,
            service_date=service_date, description=description, balance_after_cents=account_row.balance_cents,
            entered_by=entered_by, recorded_at=now,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        detail: dict[str, object] = {
            "entry_id": row.id, "reference": reference, "kind": kind, "amount_cents": abs(amount_cents),
            "balance_after_cents": row.balance_after_cents,
        }  # fmt: skip
        if kind == CHARGE:
            detail["service_date"] = None if service_date is None else service_date.isoformat()
        else:
            detail["reason"] = f"{kind.replace('_', ' ')} (ref. {reference})"
        action = CHARGED if kind == CHARGE else CREDITED
        key = f"creditor:{account_id}:{reference}"
        session.add(AuditEntryRow(**audit_values(account_id, action, detail, entered_by[:ACTOR_LENGTH], now, key)))
        return row

    found = partial(_by_reference, session, account_id, reference)
    row, created = await insert_once(session, found, insert, lock=lock)
    if created:
        return CreditorEntryOutcome(applied=True, balance_cents=row.balance_after_cents)
    balance = account_row.balance_cents if account_row is not None else await _balance(session, account_id)
    return CreditorEntryOutcome(applied=False, balance_cents=balance)


async def creditor_entries_for(session: AsyncSession, account_id: str) -> list[CreditorEntryView]:
    rows = await session.scalars(
        select(CreditorEntryRow).where(CreditorEntryRow.account_id == account_id).order_by(CreditorEntryRow.id)
    )
    return [_view(row) for row in rows]


async def creditor_entry(session: AsyncSession, account_id: str, reference: str) -> CreditorEntryView | None:
    row = await _by_reference(session, account_id, reference)
    return None if row is None else _view(row)


async def charges_in(session: AsyncSession, period: Period) -> list[CreditorEntryView]:
    """Charges recorded in the period (by the day they reached the books), oldest first."""
    query = (
        select(CreditorEntryRow)
        .where(CreditorEntryRow.kind == CHARGE, period.holds(CreditorEntryRow.recorded_at))
        .order_by(CreditorEntryRow.recorded_at, CreditorEntryRow.id)
    )
    return [_view(row) for row in await session.scalars(query)]


async def _by_reference(session: AsyncSession, account_id: str, reference: str) -> CreditorEntryRow | None:
    return await session.scalar(
        select(CreditorEntryRow).where(
            CreditorEntryRow.account_id == account_id, CreditorEntryRow.reference == reference
        )
    )


async def _balance(session: AsyncSession, account_id: str) -> int:
    return int(await session.scalar(select(AccountRow.balance_cents).where(AccountRow.account_id == account_id)) or 0)


def _view(row: CreditorEntryRow) -> CreditorEntryView:
    return CreditorEntryView(
        entry_id=row.id, account_id=row.account_id, kind=row.kind, reference=row.reference,
        amount_cents=row.amount_cents, service_date=row.service_date, description=row.description,
        balance_after_cents=row.balance_after_cents, entered_by=row.entered_by, recorded_at=row.recorded_at,
    )  # fmt: skip
