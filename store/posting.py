"""Payment files: posting runs, what the book already holds of a file's items, the suspense queue, refunds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.audit import audit_values
from store.models import AccountRow, AuditEntryRow, PaymentPostingRow, PaymentRow, SuspenseItemRow
from store.views import in_chunks, view_of

POSTED_ACTION = "payment.posted"


@dataclass(frozen=True)
class SuspenseView:
    id: int
    item_reference: str
    posting_id: int
    file_name: str
    line: int
    amount_cents: int
    received_on: date
    account_number: str
    remittance_reference: str
    payer: str
    reason: str
    created_at: datetime
    status: str
    resolved_account_id: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str | None


@dataclass(frozen=True)
class PostingView:
    id: int
    file_name: str
    sha256: str
    format: str
    items: int
    total_cents: int
    posted_by: str
    started_at: datetime
    finished_at: datetime | None
    posted: int
    posted_cents: int
    duplicates: int
    suspense: int
    suspense_cents: int


@dataclass(frozen=True)
class CreditBalance:
    account_id: str
    creditor: str
    credit_cents: int
    currency: str
    stage: str | None


@dataclass(frozen=True)
class Known:
    """What the book holds already of some item references."""

    payments: dict[str, str]
    """reference -> the account it was recorded on."""
    sent: set[str]
    """references posted from a file before (audited), recorded or not yet."""
    suspense: set[str]


async def start_posting(
    session: AsyncSession, *, file_name: str, sha256: str, fmt: str, items: int, total_cents: int, actor: str,
    now: datetime,
) -> int:  # fmt: skip
    row = PaymentPostingRow(
        file_name=file_name, sha256=sha256, format=fmt, items=items, total_cents=total_cents, posted_by=actor,
        started_at=now, finished_at=None, posted=0, posted_cents=0, duplicates=0, suspense=0, suspense_cents=0,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row.id


async def finish_posting(session: AsyncSession, posting_id: int, *, now: datetime, **counts: int) -> None:
    await session.execute(
        update(PaymentPostingRow).where(PaymentPostingRow.id == posting_id).values(finished_at=now, **counts)
    )


async def postings(session: AsyncSession, limit: int = 20) -> list[PostingView]:
    rows = await session.scalars(select(PaymentPostingRow).order_by(PaymentPostingRow.id.desc()).limit(limit))
    return [view_of(PostingView, row) for row in rows]


async def known(session: AsyncSession, references: Sequence[str]) -> Known:
    payments: dict[str, str] = {}
    sent: set[str] = set()
    suspense: set[str] = set()
    for chunk in in_chunks(list(references)):
        found = select(PaymentRow.reference, PaymentRow.account_id).where(PaymentRow.reference.in_(chunk))
        payments.update({reference: account for reference, account in await session.execute(found)})
        keys = [posted_key(r) for r in chunk]
        audited = select(AuditEntryRow.idempotency_key).where(AuditEntryRow.idempotency_key.in_(keys))
        sent.update(str(key).removeprefix("posted:") for key in await session.scalars(audited))
        queued = select(SuspenseItemRow.item_reference).where(SuspenseItemRow.item_reference.in_(chunk))
        suspense.update(await session.scalars(queued))
    return Known(payments, sent, suspense)


def posted_key(reference: str) -> str:
    return f"posted:{reference}"


async def record_posted(session: AsyncSession, entries: Sequence[dict[str, Any]], *, actor: str, now: datetime) -> None:
    """One `payment.posted` audit entry per item sent to its account (who posted it, from which file and line),
    once per item reference. `entries`: account_id, reference and the detail's other keys."""
    values = [
        audit_values(e["account_id"], POSTED_ACTION, {k: v for k, v in e.items() if k != "account_id"}, actor, now,
                     posted_key(e["reference"]))
        for e in entries
    ]  # fmt: skip
    if values:
        await _insert_new(session, AuditEntryRow, values, "idempotency_key")


async def add_suspense(session: AsyncSession, items: Sequence[dict[str, Any]]) -> None:
    """Items into the suspense queue, once per item reference (a file posted again adds none)."""
    if items:
        await _insert_new(session, SuspenseItemRow, [{**i, "status": "open"} for i in items], "item_reference")


async def _insert_new(session: AsyncSession, row: Any, values: list[dict[str, Any]], key: str) -> None:
    """A bulk insert; if another posting won a race for some keys, insert the others one by one."""
    try:
        async with session.begin_nested():
            await session.execute(insert(row), values)
    except IntegrityError:
        for one in values:
            try:
                async with session.begin_nested():
                    await session.execute(insert(row), [one])
            except IntegrityError:
                continue


async def suspense_items(session: AsyncSession, *, status: str | None = "open") -> list[SuspenseView]:
    query = select(SuspenseItemRow).order_by(SuspenseItemRow.id)
    if status is not None:
        query = query.where(SuspenseItemRow.status == status)
    return [view_of(SuspenseView, row) for row in await session.scalars(query)]


async def suspense_item(session: AsyncSession, item_id: int) -> SuspenseView | None:
    row = await session.get(SuspenseItemRow, item_id)
    return None if row is None else view_of(SuspenseView, row)


async def resolve_suspense(
    session: AsyncSession, item_id: int, *, status: str, account_id: str | None, actor: str, note: str,
    now: datetime,
) -> bool:  # fmt: skip
    """Mark an open item applied (to `account_id`) or to be refunded; False if it was not open any more."""
    done = await session.execute(
        update(SuspenseItemRow)
        .where(SuspenseItemRow.id == item_id, SuspenseItemRow.status == "open")
        .values(status=status, resolved_account_id=account_id, resolved_by=actor, resolved_at=now,
                resolution_note=note)
    )  # fmt: skip
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def credit_balances(session: AsyncSession) -> list[CreditBalance]:
    """Accounts paid past their balance: the credit each is owed back."""
    rows = await session.execute(
        select(AccountRow.account_id, AccountRow.creditor, AccountRow.balance_cents, AccountRow.currency,
               AccountRow.stage)
        .where(AccountRow.balance_cents < 0)
        .order_by(AccountRow.account_id)
    )  # fmt: skip
    return [CreditBalance(a, c, -b, cur, s) for a, c, b, cur, s in rows]
