"""The work queue's store side (reminders, promises due today, segment, creditor, claims, approvals answered),
on SQLite and PostgreSQL: ops.queue and ops.claims with the store's reasons only (no workflow asked)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from ops.claims import NothingWaiting, next_account
from ops.context import OpsContext
from ops.disclosed import queue_for
from ops.queue import Filters, QueueItem, work_queue
from service.config import load_settings
from service.tokens import Caller, Role
from store import repository
from tests.support.accounts import account_record

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
STORE_REASONS = ["reminder", "promise_due"]
ANN, BOB = Caller("ann", Role.OPERATIONS), Caller("bob", Role.OPERATIONS)


@pytest.fixture
async def ctx(sessions: Sessions) -> OpsContext:
    """Four accounts: P1 a promise due today, R2 a reminder, H3 (medical) a reminder, F4 a promise due tomorrow."""
    records = [
        account_record("P1", balance_cents=30_000),
        account_record("R2", balance_cents=90_000),
        dataclasses.replace(account_record("H3", balance_cents=50_000), creditor="Contoso Health - Oncology",
                            medical=True, segment="medical"),
        account_record("F4", balance_cents=900_000),
    ]  # fmt: skip
    async with sessions() as session, session.begin():
        await repository.upsert_accounts(session, records, now=NOW)
        for account_id, day in (("P1", TODAY), ("F4", TODAY + timedelta(days=1))):
            await repository.record_promise(
                session, account_id=account_id, promise_no=1, amount_cents=5_000, due_date=day, now=NOW
            )
        for account_id in ("R2", "H3"):
            await repository.add_note(session, account_id=account_id, author="sam", text="call", remind_on=TODAY,
                                      now=NOW)  # fmt: skip
    settings = load_settings(queue_priority="balance=1,days_past_due=0,promise_due=100,reminder=0")
    return OpsContext(settings, cast(Client, None), sessions)


async def queue(ctx: OpsContext, **filters: Any) -> list[QueueItem]:
    return await work_queue(ctx, reasons=STORE_REASONS, today=TODAY, now=NOW, **filters)


async def test_a_promise_due_today_is_a_reason_and_ranks_by_the_configured_weights(ctx: OpsContext) -> None:
    items = await queue(ctx)
    assert [(i.account_id, i.reasons, i.priority) for i in items] == [
        ("P1", ["promise_due"], 103), ("R2", ["reminder"], 9), ("H3", ["reminder"], 5),
    ], "F4's promise is due tomorrow"  # fmt: skip
    assert [i.account_id for i in await queue(ctx, sort="balance")] == ["R2", "H3", "P1"]


async def test_segment_and_creditor_filter_a_medical_creditor_by_its_billing_name(ctx: OpsContext) -> None:
    assert [i.account_id for i in await queue(ctx, segment="medical")] == ["H3"]
    assert [i.account_id for i in await queue(ctx, creditor="Contoso Health")] == ["H3"]
    assert await queue(ctx, creditor="Contoso Health - Oncology") == [], "the service is not a filter"
    assert [i.account_id for i in await queue(ctx, creditor="Northwind Bank")] == ["P1", "R2"]
    with pytest.raises(ValueError, match="a segment is 1 to 200 printable characters"):
        await queue(ctx, segment="x\ny")
    shown = {
        i.account_id: i.creditor for i in await queue_for(ctx, await queue(ctx), actor="v", role="viewer", view="t")
    }
    assert shown == {"P1": "Northwind Bank", "R2": "Northwind Bank", "H3": "Contoso Health"}


async def test_next_account_takes_by_priority_skipping_what_others_hold(ctx: OpsContext) -> None:
    reminders = Filters(reason="reminder")
    assert (await next_account(ctx, ANN, reminders, NOW)).account_id == "R2"
    taken = await next_account(ctx, BOB, reminders, NOW)
    assert (taken.account_id, taken.taken_by, taken.taken_until) == ("H3", "bob", NOW + timedelta(minutes=20))
    with pytest.raises(NothingWaiting, match="^nothing waiting: the 2 waiting are taken by others; nothing changed$"):
        await next_account(ctx, Caller("cy", Role.OPERATIONS), reminders, NOW)
    listed = {i.account_id: (i.taken_by, i.taken_until) for i in await queue(ctx)}
    assert listed == {"P1": (None, None), "R2": ("ann", NOW + timedelta(minutes=20)), "H3": ("bob", listed["H3"][1])}
    later = NOW + timedelta(minutes=20)
    assert [i.taken_by for i in await work_queue(ctx, reasons=STORE_REASONS, today=TODAY, now=later)] == [None] * 3


async def test_an_approval_answered_since_the_account_was_last_taken_raises_it(ctx: OpsContext) -> None:
    async with ctx.sessions() as session, session.begin():
        await repository.append_audit(session, account_id="H3", action="request.approval", detail={}, actor="sup",
                                      now=NOW - timedelta(minutes=5))  # fmt: skip
    weights = "balance=1,days_past_due=0,promise_due=100,reminder=0,approval_answered=10"
    ctx.settings = load_settings(queue_priority=weights)
    answered = {i.account_id: (i.approval_answered, i.priority) for i in await queue(ctx)}
    assert answered["H3"] == (True, 15) and answered["R2"] == (False, 9)
    assert (await next_account(ctx, ANN, Filters(segment="medical", reason="reminder"), NOW)).account_id == "H3"
    assert {i.account_id: i.approval_answered for i in await queue(ctx)}["H3"] is False, "taken since"
