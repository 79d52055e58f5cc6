"""Promises to pay: each recorded once per (account, promise number), then judged 'kept' or 'broken' once.

The workflow decides (kept or broken); the store keeps the record. Repeats change nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Refused, parsed
from domain.plan_messages import PromiseStatus, promise_key
from store.audit import append_audit, audit_values
from store.errors import UnknownPromise
from store.idempotent import insert_once, locked_account
from store.models import AuditEntryRow, PromiseRow
from store.views import PromiseView

ACTOR = "workflow"
_RESOLVED = (PromiseStatus.KEPT, PromiseStatus.BROKEN)


async def record_promise(
    session: AsyncSession,
    *,
    account_id: str,
    promise_no: int,
    amount_cents: int,
    due_date: date,
    now: datetime,
) -> bool:
    """Record promise `promise_no` 'open'; False (and the promise as it stands) if already recorded."""
    if amount_cents <= 0:
        raise Refused(f"promised amount must be positive, got {amount_cents} cents")

    async def insert() -> PromiseRow:
        row = PromiseRow(
            account_id=account_id,
            promise_no=promise_no,
            amount_cents=amount_cents,
            due_date=due_date,
            status=PromiseStatus.OPEN.value,
            made_at=now,
        )
        session.add(row)
        detail = {"promise_no": promise_no, "amount_cents": amount_cents, "due_date": due_date.isoformat()}
        key = promise_key(account_id, promise_no)
        session.add(AuditEntryRow(**audit_values(account_id, "promise.made", detail, ACTOR, now, key)))
        return row

    find = partial(_promise_row, session, account_id, promise_no)
    return (await insert_once(session, find, insert, lock=partial(locked_account, session, account_id))).created


async def resolve_promise(
    session: AsyncSession, *, account_id: str, promise_no: int, status: PromiseStatus | str, now: datetime
) -> bool:
    """Judge an open promise 'kept' or 'broken'; False (nothing changed) if it was already judged."""
    status = parsed(PromiseStatus, status, "a promise's resolution")
    if status not in _RESOLVED:
        raise Refused(f"a promise resolves 'kept' or 'broken', not {status.value!r}")
    row = await session.scalar(
        select(PromiseRow)
        .where(PromiseRow.account_id == account_id, PromiseRow.promise_no == promise_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise UnknownPromise(f"unknown promise {promise_no} of account {account_id}")
    if row.status != PromiseStatus.OPEN.value:
        return False
    row.status, row.resolved_at = status.value, now
    await append_audit(
        session,
        account_id=account_id,
        action=f"promise.{status.value}",
        detail={"promise_no": promise_no, "amount_cents": row.amount_cents, "due_date": row.due_date.isoformat()},
        actor=ACTOR,
        now=now,
        idempotency_key=f"{promise_key(account_id, promise_no)}:resolved",
    )
    await session.flush()
    return True


async def promises_for(session: AsyncSession, account_id: str) -> list[PromiseView]:
    rows = await session.scalars(
        select(PromiseRow).where(PromiseRow.account_id == account_id).order_by(PromiseRow.promise_no)
    )
    return [_view(row) for row in rows]


async def promises_due(session: AsyncSession, day: date) -> list[PromiseView]:
    """The open promises that fall due on `day`, by account and number."""
    rows = await session.scalars(
        select(PromiseRow)
        .where(PromiseRow.due_date == day, PromiseRow.status == PromiseStatus.OPEN.value)
        .order_by(PromiseRow.account_id, PromiseRow.promise_no)
    )
    return [_view(row) for row in rows]


def _view(row: PromiseRow) -> PromiseView:
    return PromiseView(
        account_id=row.account_id,
        promise_no=row.promise_no,
        amount_cents=row.amount_cents,
        due_date=row.due_date,
        status=PromiseStatus(row.status),
        made_at=row.made_at,
        resolved_at=row.resolved_at,
    )


async def _promise_row(session: AsyncSession, account_id: str, promise_no: int) -> PromiseRow | None:
    return await session.scalar(
        select(PromiseRow).where(PromiseRow.account_id == account_id, PromiseRow.promise_no == promise_no)
    )


async def reopen_promises(
    session: AsyncSession, *, account_id: str, numbers: list[int], reason: str, now: datetime
) -> None:
    """Kept promises open again (a payment that kept them was reversed): judged again by the workflow."""
    for promise_no in numbers:
        row = await session.scalar(
            select(PromiseRow).where(PromiseRow.account_id == account_id, PromiseRow.promise_no == promise_no)
        )
        if row is None or row.status != PromiseStatus.KEPT.value:
            continue
        row.status, row.resolved_at = PromiseStatus.OPEN.value, None
        await append_audit(
            session, account_id=account_id, action="promise.reopened",
            detail={"promise_no": promise_no, "amount_cents": row.amount_cents, "because": reason},
            actor=ACTOR, now=now, idempotency_key=f"{promise_key(account_id, promise_no)}:reopened:{reason}",
        )  # fmt: skip
