"""The one idempotent insert: a row written once per key, whatever retries and races bring.

Read; on a miss lock (when the caller has something to lock, say the account row) and, under a
SAVEPOINT, read again and insert; if the unique key still loses a race (IntegrityError), the
SAVEPOINT rolls back and the winner's row is read. Any other exception leaves the session as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from store.errors import UnknownAccount
from store.models import AccountRow

Row = TypeVar("Row")


class Once(NamedTuple, Generic[Row]):
    row: Row
    created: bool
    """False: the row was there already (a retry, a replay, or a race another transaction won)."""


async def insert_once(
    session: AsyncSession,
    find: Callable[[], Awaitable[Row | None]],
    insert: Callable[[], Awaitable[Row]],
    *,
    lock: Callable[[], Awaitable[object]] | None = None,
) -> Once[Row]:
    """The row `find` finds, else the row `insert` adds (flushed inside the SAVEPOINT).

    `lock` runs after the first miss, outside the SAVEPOINT: it takes the lock concurrent writers
    queue on, and may raise a refusal (an unknown account). Under a lock the row is looked for again,
    since a writer that held it may have committed the row meanwhile. A refusal `insert` raises rolls
    its SAVEPOINT back and goes up unchanged.
    """
    found = await find()
    if found is not None:
        return Once(found, False)
    if lock is not None:
        await lock()
    try:
        async with session.begin_nested():
            found = await find() if lock is not None else None
            if found is not None:
                return Once(found, False)
            row = await insert()
            await session.flush()
    except IntegrityError:
        found = await find()
        if found is None:
            raise
        return Once(found, False)
    return Once(row, True)


async def locked_account(session: AsyncSession, account_id: str) -> AccountRow:
    """The account's row, locked until the transaction ends and read afresh: the lock every writer of
    one account queues on. UnknownAccount when there is none."""
    account = await session.get(AccountRow, account_id, with_for_update=True, populate_existing=True)
    if account is None:
        raise UnknownAccount(f"unknown account {account_id}")
    return account
