"""Accounts and waits shared by the workflow, integration and end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from domain.intake import AccountRecord
from domain.messages import AccountSnapshot
from store import repository

T = TypeVar("T")


RECENTLY_DUE = date.today() - timedelta(days=20)
"""Inside every shipped strategy's thresholds, so a new account starts in `contacting` and stays."""


def account_record(
    account_id: str = "A1",
    *,
    balance_cents: int = 50_000,
    due_date: date = RECENTLY_DUE,
    timezone: str = "America/New_York",
    sms_consent: bool = False,
) -> AccountRecord:
    return AccountRecord(
        account_id=account_id, debtor_name="Pat Example", phone="+12125550100",
        email="pat@example.com", street="1 Main St", city="New York", state="NY",
        postal_code="10001", timezone=timezone, balance_cents=balance_cents,
        due_date=due_date, creditor="Northwind Bank", medical=False, segment="card", sms_consent=sms_consent,
    )  # fmt: skip


async def add_account(sessions: async_sessionmaker[AsyncSession], account_id: str = "A1", **fields: object) -> None:
    async with sessions() as session, session.begin():
        await repository.upsert_accounts(session, [account_record(account_id, **fields)], now=datetime.now(UTC))  # type: ignore[arg-type]


async def eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    *,
    timeout: float = 20.0,
    what: str = "the condition",
    every: float = 0.05,
) -> T:
    """Poll `probe` until `check` holds; fail naming `what` and the last value seen after `timeout` seconds.

    A probe that Temporal does not answer in time (a query on a server slowed by a loaded machine) has
    not seen the condition yet: it is asked again, until the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            value: T | RPCError = await probe()
        except RPCError as err:
            if err.status not in _NOT_ANSWERED:
                raise
            value = err
        if not isinstance(value, RPCError) and check(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last value: {value!r}")
        await asyncio.sleep(every)


_NOT_ANSWERED = (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE)
"""How a server too busy to answer in time says so ("Timeout expired" comes as CANCELLED)."""


async def terminate_when_idle(handle: WorkflowHandle) -> None:
    """Terminate once no activity is in flight.

    The time-skipping test server keeps time locked for an activity that completes after its
    workflow was terminated, which would stall every later `env.sleep` in the session.
    """

    async def pending() -> int:
        description = await handle.describe()
        return len(description.raw_description.pending_activities)

    await eventually(pending, lambda count: count == 0)
    await handle.terminate("test over")


async def snapshot_of(sessions: async_sessionmaker[AsyncSession], account_id: str) -> AccountSnapshot:
    """What a workflow is started with: the account as the store has it (ops/account_workflows.py builds the same)."""
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
    assert account is not None, f"no account {account_id} in the store"
    return AccountSnapshot(
        account.account_id, account.balance_cents, account.currency, account.due_date.isoformat(), account.segment
    )
