"""What the team did in a span of time, as the store recorded it (the desk's team view, ops/team.py): the
people's write requests (`request.*` audit entries), the promises on the accounts they worked, and the
contact attempts the compliance gate blocked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.contact_messages import AttemptStatus
from domain.plan_messages import PromiseStatus
from store.models import AuditEntryRow, ContactAttemptRow, PromiseRow
from store.views import AuditEntryView, PromiseView, in_chunks, view_of

REQUEST = "request."


async def requests_between(session: AsyncSession, start: datetime, end: datetime) -> list[AuditEntryView]:
    """Every `request.*` audit entry at or after `start` and before `end`, in the order written."""
    rows = await session.scalars(
        select(AuditEntryRow)
        .where(AuditEntryRow.at >= start, AuditEntryRow.at < end, AuditEntryRow.action.startswith(REQUEST))
        .order_by(AuditEntryRow.id)
    )
    return [view_of(AuditEntryView, row, entry_id=row.id) for row in rows]


async def promises_of(session: AsyncSession, account_ids: Sequence[str]) -> list[PromiseView]:
    """The promises of these accounts, by account and number."""
    found: list[PromiseView] = []
    for chunk in in_chunks(sorted(set(account_ids))):
        rows = await session.scalars(
            select(PromiseRow)
            .where(PromiseRow.account_id.in_(chunk))
            .order_by(PromiseRow.account_id, PromiseRow.promise_no)
        )
        found += [view_of(PromiseView, row, status=PromiseStatus(row.status)) for row in rows]
    return found


async def blocked_between(session: AsyncSession, start: datetime, end: datetime) -> list[tuple[str, str, int]]:
    """(rule, channel, how many) of the attempts the gate blocked at or after `start` and before `end`."""
    rows = await session.execute(
        select(ContactAttemptRow.rule, ContactAttemptRow.channel, func.count())
        .where(
            ContactAttemptRow.status == AttemptStatus.BLOCKED.value,
            ContactAttemptRow.at >= start,
            ContactAttemptRow.at < end,
        )
        .group_by(ContactAttemptRow.rule, ContactAttemptRow.channel)
    )
    return [(str(rule or ""), str(channel), int(count)) for rule, channel, count in rows]
