"""Months closed by the month-end pack: once closed, no payment may be dated in them (domain.bounds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ClosedMonthRow


async def close_month(session: AsyncSession, *, month: str, closed_by: str, now: datetime) -> bool:
    """Close `month` ('2026-03'); closing it again changes nothing. Returns whether it was open."""
    if await session.get(ClosedMonthRow, month) is not None:
        return False
    session.add(ClosedMonthRow(month=month, closed_at=now, closed_by=closed_by[:64]))
    await session.flush()
    return True


async def closed_months(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(ClosedMonthRow.month)))
