"""The outbox: rendered letters, texts, call scripts (and emails without SMTP) awaiting export.

A row goes in with its attempt, in the same transaction; an export hands each row out once.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.contact import Channel
from store.idempotent import insert_once
from store.models import OutboxRow
from store.views import OutboxView, view_of


async def enqueue_outbox(
    session: AsyncSession,
    *,
    attempt_key: str,
    account_id: str,
    channel: Channel,
    contact_point_id: int,
    recipient: str,
    subject: str | None,
    body: str,
    now: datetime,
    letter: dict[str, Any] | None = None,
) -> bool:
    """Queue one message under its attempt's key; False (nothing queued) if the key is already there.

    A letter carries `letter`, the facts its PDF prints (channels/letters.py), frozen now."""

    async def insert() -> OutboxRow:
        row = OutboxRow(
            attempt_key=attempt_key,
            account_id=account_id,
            channel=Channel(channel).value,
            contact_point_id=contact_point_id,
            recipient=recipient,
            subject=subject,
            body=body,
            created_at=now,
            letter=letter,
        )
        session.add(row)
        return row

    return (await insert_once(session, partial(_by_key, session, attempt_key), insert)).created


async def export_outbox(
    session: AsyncSession, *, channel: Channel | str, now: datetime, batch_no: int
) -> list[OutboxView]:
    """The channel's rows not yet exported, oldest first, now marked exported in batch `batch_no`.

    Rows locked by a concurrent export are skipped (PostgreSQL), so two exports never share a row.
    """
    channel = Channel(channel)
    rows = list(
        await session.scalars(
            select(OutboxRow)
            .where(OutboxRow.channel == channel.value, OutboxRow.exported_at.is_(None))
            .order_by(OutboxRow.id)
            .with_for_update(skip_locked=True)
        )
    )
    if not rows:
        return []
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 500):
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids[start : start + 500]))
            .values(exported_at=now, export_batch_no=batch_no)
            .execution_options(synchronize_session=False)
        )
    return [_view(row, exported_at=now, export_batch_no=batch_no) for row in rows]


async def outbox_batch(session: AsyncSession, batch_no: int) -> list[OutboxView]:
    """The messages export batch `batch_no` took, in the order it wrote them."""
    rows = await session.scalars(select(OutboxRow).where(OutboxRow.export_batch_no == batch_no).order_by(OutboxRow.id))
    return [_view(row) for row in rows]


async def outbox_entries(
    session: AsyncSession, *, account_id: str | None = None, channel: Channel | str | None = None
) -> list[OutboxView]:
    query = select(OutboxRow).order_by(OutboxRow.id)
    if account_id is not None:
        query = query.where(OutboxRow.account_id == account_id)
    if channel is not None:
        query = query.where(OutboxRow.channel == Channel(channel).value)
    return [_view(row) for row in await session.scalars(query)]


async def _by_key(session: AsyncSession, attempt_key: str) -> OutboxRow | None:
    return await session.scalar(select(OutboxRow).where(OutboxRow.attempt_key == attempt_key))


def _view(row: OutboxRow, **computed: object) -> OutboxView:
    return view_of(OutboxView, row, outbox_id=row.id, channel=Channel(row.channel), **computed)
