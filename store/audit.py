"""The audit trail: append-only, each entry at most once per idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.idempotent import insert_once
from store.models import AuditEntryRow
from store.views import AuditEntryView, in_chunks, view_of


async def append_audit(
    session: AsyncSession,
    *,
    account_id: str,
    action: str,
    detail: dict[str, Any],
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> bool:
    """Append to the audit trail; False (and nothing written) if the key was already used."""
    entry = AuditEntryRow(**audit_values(account_id, action, detail, actor, now, idempotency_key))
    return await append_once(session, entry)


async def latest_action(session: AsyncSession, account_ids: Sequence[str], action: str) -> dict[str, datetime]:
    """When each of the accounts last had an `action` entry (accounts with none are absent)."""
    found: dict[str, datetime] = {}
    for chunk in in_chunks(list(account_ids)):
        latest = (
            select(AuditEntryRow.account_id, func.max(AuditEntryRow.at))
            .where(AuditEntryRow.action == action, AuditEntryRow.account_id.in_(chunk))
            .group_by(AuditEntryRow.account_id)
        )
        found.update({account_id: at for account_id, at in await session.execute(latest)})
    return found


async def audit_trail(session: AsyncSession, account_id: str) -> list[AuditEntryView]:
    rows = await session.scalars(
        select(AuditEntryRow).where(AuditEntryRow.account_id == account_id).order_by(AuditEntryRow.id)
    )
    return [view_of(AuditEntryView, row, entry_id=row.id) for row in rows]


def audit_values(
    account_id: str,
    action: str,
    detail: dict[str, Any],
    actor: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry (for ORM rows and bulk inserts alike)."""
    return {
        "account_id": account_id,
        "at": now,
        "actor": actor,
        "action": action,
        "detail": detail,
        "idempotency_key": idempotency_key,
    }


async def append_once(session: AsyncSession, entry: AuditEntryRow) -> bool:
    """Insert under a SAVEPOINT: in a race the unique key decides, and the loser gets False."""
    key = entry.idempotency_key

    async def find() -> int | None:
        return None if key is None else await _key_id(session, key)

    async def insert() -> int:
        session.add(entry)
        await session.flush()
        return entry.id

    return (await insert_once(session, find, insert)).created


async def _key_id(session: AsyncSession, key: str) -> int | None:
    return await session.scalar(select(AuditEntryRow.id).where(AuditEntryRow.idempotency_key == key))


async def append_views(
    session: AsyncSession, account_ids: list[str], *, action: str, detail: dict[str, Any], actor: str, now: datetime
) -> None:
    """One entry per account viewed, in one INSERT (no idempotency key: every view counts)."""
    if account_ids:
        await session.execute(
            insert(AuditEntryRow), [audit_values(account_id, action, detail, actor, now) for account_id in account_ids]
        )
