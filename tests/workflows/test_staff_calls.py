"""Calls a collector places by hand from the desk, on the time-skipping server: the gate's answer before
dialling (the `next_call` query) and what a placed call changes (1006.14(b)(2)(i): seven calls in seven days;
1006.14(b)(2)(i)(B): the quiet period after a conversation; 1006.6(b)(1)(i): the local calling hours)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowHandle
from temporalio.worker import Replayer

from domain.call_gate import CallGate, CallGateQuestion, describe
from domain.contact import Channel, Outcome
from domain.inbound import InboundContactInput
from domain.messages import ContactOutcomeInput
from domain.stages import Stage
from domain.workflow_contract import NEXT_CALL_QUERY
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from tests.workflows.test_inbound_contacts import RECENTLY_DUE, attempts, start, status_of
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
async def account_id(sessions) -> str:
    account_id = f"S{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, due_date=RECENTLY_DUE)
    return account_id


def local(at: datetime, hour: int) -> datetime:
    """The next `hour`:00 in New York at or after `at`."""
    moment = datetime.combine(at.astimezone(NEW_YORK).date(), time(hour), tzinfo=NEW_YORK)
    return moment if moment >= at else moment + timedelta(days=1)


async def gate(handle: WorkflowHandle, at: datetime, point_id: int | None = None) -> CallGate:
    return await handle.query(NEXT_CALL_QUERY, CallGateQuestion(at, point_id), result_type=CallGate)


async def placed(handle: WorkflowHandle, at: datetime, point_id: int, outcome: Outcome, n: int) -> None:
    call = InboundContactInput(f"desk-{n}", Channel.CALL, outcome, at, point_id=point_id, placed_by="oscar")
    await handle.signal(AccountCollectionsWorkflow.inbound_contact, call)


async def phone_of(sessions, account_id: str) -> int:
    async with sessions() as session:
        points = await repository.contact_points_for(session, account_id)
    return next(p.contact_point_id for p in points if p.kind == "phone")


@asynccontextmanager
async def noticed(env, sessions, account_id: str) -> AsyncIterator[tuple[WorkflowHandle, int, datetime]]:
    """The account's workflow once its validation notice went: its handle, its phone's id, the time then."""
    async with running_worker(env.client, sessions) as queue:
        handle = await start(env, queue, account_id)
        await eventually(lambda: status_of(handle), lambda s: s.attempts_count == 1, what="the validation notice")
        yield handle, await phone_of(sessions, account_id), await env.get_current_time()


async def test_seven_calls_placed_by_hand_close_the_week_and_the_desk_says_until_when(
    time_skipping_env, sessions, account_id
):
    env = time_skipping_env
    async with noticed(env, sessions, account_id) as (handle, phone, now):
        morning = local(now, 10)
        first = await gate(handle, morning, phone)
        assert first.allowed_now and first.allowed_at == morning and first.calls_in_7_days == 0
        assert describe(first, morning) == "calls allowed now, 10:00 America/New_York there: 0 of 7 calls in 7 days"

        night = local(now, 22)
        late = await gate(handle, night, phone)
        assert (late.reason, late.allowed_at) == ("calling_hours", local(night, 8))
        assert describe(late, night).startswith("calls allowed again ") and "8:00 America/New_York" in describe(
            late, night
        )

        for n in range(7):  # voicemails: placed calls, no conversation
            await placed(handle, now, phone, Outcome.VOICEMAIL, n)
        made = await eventually(
            lambda: attempts(sessions, account_id), lambda rows: sum(a.channel == "call" for a in rows) == 7,
            what="seven calls recorded",
        )  # fmt: skip
        calls = [a for a in made if a.channel == "call"]
        assert {(a.status, a.inbound, a.outcome) for a in calls} == {("sent", False, "voicemail")}
        dialled = calls[-1].attempt_no  # a dialer reporting on a call placed by hand: ignored, its outcome stays
        await handle.signal(
            AccountCollectionsWorkflow.contact_outcome, ContactOutcomeInput(dialled, Outcome.RIGHT_PARTY_CONTACT)
        )
        closed = await gate(handle, local(now + timedelta(minutes=1), 10), phone)
        assert (closed.reason, closed.calls_in_7_days) == ("call_frequency", 7), "no conversation was made up"
        assert (await status_of(handle)).stage == Stage.CONTACTING
        assert describe(closed, now).endswith(": 7 calls in 7 days")
        await terminate_when_idle(handle)
        replayer = Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner())
        await replayer.replay_workflow(await handle.fetch_history())


async def test_a_conversation_on_a_call_placed_by_hand_moves_the_account_on_and_starts_the_quiet_period(
    time_skipping_env, sessions, account_id
):
    env = time_skipping_env
    async with noticed(env, sessions, account_id) as (handle, phone, now):
        await placed(handle, now, phone, Outcome.RIGHT_PARTY_CONTACT, 1)
        moved = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.NEGOTIATING, what="negotiating")
        assert moved.stage == Stage.NEGOTIATING
        quiet = await gate(handle, local(now + timedelta(days=1), 10), phone)
        assert quiet.reason == "conversation_quiet_period"
        assert quiet.allowed_at is not None and quiet.allowed_at.astimezone(NEW_YORK).date() >= (
            now.astimezone(NEW_YORK).date() + timedelta(days=7)
        )
        assert "a telephone conversation in the last 7 days" in describe(quiet, now)
        await terminate_when_idle(handle)


async def test_the_desk_is_told_no_calls_while_the_account_is_on_hold(time_skipping_env, sessions, account_id):
    from domain import holds

    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start(env, queue, account_id)
        await eventually(lambda: status_of(handle), lambda s: s.attempts_count == 1, what="the validation notice")
        hold = holds.bankruptcy_hold("BK-1", chapter="7", filed_on=RECENTLY_DUE.isoformat(), court="")
        await handle.signal(AccountCollectionsWorkflow.place_hold, hold)
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD, what="the hold")
        now = await env.get_current_time()
        held = await gate(handle, local(now, 10))
        assert held.reason == "on_hold" and describe(held, now) == "no calls: the account is on hold (bankruptcy)"
        await terminate_when_idle(handle)


def test_a_time_is_said_in_the_debtors_zone_with_its_day() -> None:
    now = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # a Monday, 15:00 in New York
    waiting = CallGate(
        datetime(2026, 12, 14, 13, 0, tzinfo=UTC), "conversation_quiet_period", 3, "America/New_York", 1, 7
    )
    assert describe(waiting, now) == (
        "calls allowed again Monday 14 Dec 8:00 America/New_York: a telephone conversation in the last 7 days"
    )
    later_today = CallGate(datetime(2026, 12, 7, 23, 0, tzinfo=UTC), "call_frequency", 3, "America/New_York", 7, 7)
    assert describe(later_today, now) == "calls allowed again today 18:00 America/New_York: 7 calls in 7 days"
    refused = CallGate(None, "cease_communication", 3, "America/New_York", 0, 7)
    assert describe(refused, now) == "no calls: the debtor asked in writing to cease communication"


def test_the_desk_does_not_call_an_account_placed_with_an_agency() -> None:
    from domain.call_gate import call_gate
    from domain.contact import ContactPoint
    from domain.contact_messages import ContactSnapshot
    from domain.messages import AccountState
    from ops.strategies import load_strategy

    now = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    plan = load_strategy("default").plan_for(segment="card", state="NY")
    snapshot = ContactSnapshot("P1", points=[ContactPoint(1, "phone", zones=["America/New_York"])])
    state = AccountState("P1", 50_000, "USD", "2026-10-01", "card", now, plan=plan, contacts=snapshot)
    state.stage = Stage.REFERRED
    placed = call_gate(state, now)
    assert placed.reason == "placed" and not placed.allowed_now
    assert describe(placed, now) == "no calls: the account is placed with an agency, which works it"
