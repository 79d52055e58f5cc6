"""Write-downs waiting for a supervisor: asked for, then approved or declined once; each step audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.audit import append_audit
from store.models import WriteDownRow
from store.views import view_of

PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


@dataclass(frozen=True)
class WriteDownView:
    number: int
    account_id: str
    hold_reference: str
    outcome: str
    amount_cents: int
    requested_by: str
    requested_role: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decline_reason: str | None


async def request_write_down(
    session: AsyncSession, *, account_id: str, hold_reference: str, outcome: str, amount_cents: int,
    requested_by: str, requested_role: str, now: datetime,
) -> WriteDownView:  # fmt: skip
    """Record a pending write-down (audited `write_down.requested` by its requester)."""
    row = WriteDownRow(
        account_id=account_id, hold_reference=hold_reference, outcome=outcome, amount_cents=amount_cents,
        requested_by=requested_by, requested_role=requested_role, requested_at=now, status=PENDING,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    detail = {"write_down": row.id, "outcome": outcome, "amount_cents": amount_cents, "role": requested_role}
    await append_audit(
        session, account_id=account_id, action="write_down.requested", detail=detail, actor=requested_by, now=now
    )
    return _view(row)


async def pending_for_hold(session: AsyncSession, account_id: str, hold_reference: str) -> WriteDownView | None:
    """The write-down already waiting on this hold, if any."""
    row = await session.scalar(
        select(WriteDownRow).where(
            WriteDownRow.account_id == account_id,
            WriteDownRow.hold_reference == hold_reference,
            WriteDownRow.status == PENDING,
        )
    )
    return None if row is None else _view(row)


async def get_write_down(session: AsyncSession, number: int) -> WriteDownView | None:
    if not 1 <= number < 2**63:  # no row has it, and the store would refuse to look (integer overflow)
        return None
    row = await session.get(WriteDownRow, number)
    return None if row is None else _view(row)


async def write_downs(session: AsyncSession, *, status: str | None = PENDING) -> list[WriteDownView]:
    """Write-downs in this status (all when None), oldest first."""
    query = select(WriteDownRow).order_by(WriteDownRow.id)
    if status is not None:
        query = query.where(WriteDownRow.status == status)
    return [_view(row) for row in await session.scalars(query)]


async def claim_decision(
    session: AsyncSession, number: int, *, status: str, by: str, now: datetime, reason: str | None = None
) -> bool:
    """Move a pending write-down to `status`; False when it was no longer pending (decided by someone else)."""
    result = await session.execute(
        update(WriteDownRow)
        .where(WriteDownRow.id == number, WriteDownRow.status == PENDING)
        .values(status=status, decided_by=by, decided_at=now, decline_reason=reason)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def reopen(session: AsyncSession, number: int) -> None:
    """Back to pending: its approval could not be sent to the workflow, so nothing was applied."""
    await session.execute(
        update(WriteDownRow)
        .where(WriteDownRow.id == number, WriteDownRow.status == APPROVED)
        .values(status=PENDING, decided_by=None, decided_at=None)
    )


def _view(row: WriteDownRow) -> WriteDownView:
    return view_of(WriteDownView, row, number=row.id)
