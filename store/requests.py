"""Write requests under an idempotency key: one row per (caller, route, account, key).

A row is claimed `in_progress` before the write, then `done` with the first answer (status code and
JSON body) so a replay can return it verbatim; a refused write releases its row. The rules (what a
reused key means) are in ops.requests; this module only keeps the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.idempotent import insert_once
from store.models import WriteRequestRow

IN_PROGRESS = "in_progress"
DONE = "done"


@dataclass(frozen=True)
class RequestScope:
    """What a key is unique within: who asked, on which route, about which account ('' for none)."""

    caller: str
    route: str
    account_id: str
    key: str


@dataclass(frozen=True)
class RequestView:
    fingerprint: str
    state: str
    started_at: datetime
    completed_at: datetime | None
    status_code: int | None
    answer: dict[str, Any] | None
    audited: tuple[str, ...]


async def claim_request(
    session: AsyncSession, scope: RequestScope, *, fingerprint: str, now: datetime, stale_before: datetime
) -> RequestView | None:
    """Claim the key for a new request (None), or the request already under it, as it stands.

    An `in_progress` row started before `stale_before` with the same fingerprint was abandoned (its
    process died mid-write): it is taken over (None). In a race the unique key decides.
    """

    async def insert() -> WriteRequestRow:
        row = WriteRequestRow(
            caller=scope.caller, route=scope.route, account_id=scope.account_id, key=scope.key,
            fingerprint=fingerprint, state=IN_PROGRESS, started_at=now, audited=[],
        )  # fmt: skip
        session.add(row)
        return row

    found, created = await insert_once(session, partial(_row, session, scope), insert)
    if created:
        return None
    abandoned = found.state == IN_PROGRESS and found.started_at < stale_before
    if abandoned and found.fingerprint == fingerprint:
        found.started_at = now
        return None
    return _view(found)


async def complete_request(
    session: AsyncSession,
    scope: RequestScope,
    *,
    status_code: int,
    answer: dict[str, Any],
    audited: list[str],
    now: datetime,
) -> None:
    """Mark the claimed request done with its first answer and the accounts that audited it."""
    row = await _row(session, scope)
    if row is None:
        raise LookupError(f"no request claimed under key {scope.key!r}")
    row.state, row.status_code, row.answer, row.completed_at = DONE, status_code, answer, now
    row.audited = list(audited)


async def release_request(session: AsyncSession, scope: RequestScope) -> None:
    """Forget a claimed request that was refused or failed (a corrected retry may use the key)."""
    await session.execute(delete(WriteRequestRow).where(*_matches(scope), WriteRequestRow.state == IN_PROGRESS))


async def request_for(session: AsyncSession, scope: RequestScope) -> RequestView | None:
    row = await _row(session, scope)
    return None if row is None else _view(row)


async def _row(session: AsyncSession, scope: RequestScope) -> WriteRequestRow | None:
    found: WriteRequestRow | None = await session.scalar(
        select(WriteRequestRow).where(*_matches(scope)).execution_options(populate_existing=True)
    )
    return found


def _matches(scope: RequestScope) -> tuple[Any, ...]:
    return (
        WriteRequestRow.caller == scope.caller,
        WriteRequestRow.route == scope.route,
        WriteRequestRow.account_id == scope.account_id,
        WriteRequestRow.key == scope.key,
    )


def _view(row: WriteRequestRow) -> RequestView:
    return RequestView(
        row.fingerprint, row.state, row.started_at, row.completed_at, row.status_code,
        None if row.answer is None else dict(row.answer), tuple(row.audited),
    )  # fmt: skip
