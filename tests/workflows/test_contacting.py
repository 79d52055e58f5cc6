"""The contacting stage on the time-skipping server: cadence, gate, outcomes, preferences."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.contact import Channel, Outcome
from domain.contact_messages import ContactPreference
from domain.messages import (
    AccountSnapshot,
    AccountStatus,
    AccountWorkflowInput,
    ContactOutcomeInput,
    ContactPreferenceChange,
    PaymentInput,
)
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

NEW_YORK = ZoneInfo("America/New_York")
RECENTLY_DUE = (datetime.now(UTC) - timedelta(days=10)).date()


@pytest.fixture
async def account_id(sessions) -> str:
    """A loaded account, due ten days ago: inside every threshold of the default strategy."""
    account_id = f"C{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, due_date=RECENTLY_DUE)
    return account_id


async def start_contacting(
    env: WorkflowEnvironment, queue: str, account_id: str, *, state: str = "NY"
) -> WorkflowHandle:
    plan = load_strategy("default").plan_for(segment="card", state=state)
    snapshot = AccountSnapshot(account_id, 50_000, "USD", RECENTLY_DUE.isoformat(), "card")
    return await env.client.start_workflow(
        AccountCollectionsWorkflow.run,
        AccountWorkflowInput(account_id, snapshot=snapshot, plan=plan),
        id=workflow_id_for(account_id),
        task_queue=queue,
    )


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def attempts(sessions, account_id: str) -> list:
    async with sessions() as session:
        return await repository.attempts_for(session, account_id)


async def report_first_call(env: WorkflowEnvironment, handle: WorkflowHandle, sessions, account_id: str, outcome):
    """Let a week pass, then report what came of the account's first call, as the dialer would."""
    await env.sleep(timedelta(days=7))
    made = await eventually(
        lambda: attempts(sessions, account_id), lambda rows: any(a.channel == "call" for a in rows), timeout=30
    )
    call = next(a for a in made if a.channel == "call")
    await handle.signal(AccountCollectionsWorkflow.contact_outcome, ContactOutcomeInput(call.attempt_no, outcome))
    return call


def local(at: datetime) -> datetime:
    return at.astimezone(NEW_YORK)


async def test_an_account_walks_the_default_cadence_to_referral_with_every_contact_cleared(
    time_skipping_env, sessions, account_id
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id)
        await env.sleep(timedelta(days=75))
        final = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.REFERRED, timeout=60)
        await terminate_when_idle(handle)
        replayer = Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner())
        await replayer.replay_workflow(await handle.fetch_history())  # 75 days of cadence replay deterministically
    made = await attempts(sessions, account_id)
    sent = [a for a in made if a.status != "blocked"]
    assert sent[0].channel == "letter" and sent[0].validation_notice, "the validation notice goes out first"
    assert final.validation_period_end is not None
    for attempt in sent:
        if attempt.channel in ("call", "sms", "email"):
            assert 8 <= local(attempt.at).hour < 21, f"{attempt.channel} at {local(attempt.at)} is outside hours"
    calls = sorted(a.at for a in sent if a.channel == "call")
    for i, call in enumerate(calls):
        window = [c for c in calls if timedelta(0) <= local(call).date() - local(c).date() < timedelta(days=7)]
        assert len(window) <= 7, f"call {i} makes {len(window)} calls in 7 days"
    texts = [a for a in made if a.channel == "sms"]
    assert texts and all(a.status == "blocked" and a.rule == "no_consent" for a in texts)
    channels = {a.channel for a in sent}
    assert channels == {"letter", "email", "call"}
    assert final.attempts_count == len(sent)


async def test_a_right_party_contact_moves_the_account_to_negotiating(time_skipping_env, sessions, account_id):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id)
        call = await report_first_call(env, handle, sessions, account_id, Outcome.RIGHT_PARTY_CONTACT)
        status = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.NEGOTIATING)
        recorded = await eventually(
            lambda: attempts(sessions, account_id), lambda rows: rows[call.attempt_no - 1].outcome is not None
        )
        await terminate_when_idle(handle)
    assert status.attempts_count >= 3
    assert recorded[call.attempt_no - 1].outcome == "right_party_contact"


async def test_a_cease_request_stops_every_contact_at_once(time_skipping_env, sessions, account_id):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id)
        await eventually(lambda: status_of(handle), lambda s: s.attempts_count == 1)
        await handle.signal(
            AccountCollectionsWorkflow.contact_preference, ContactPreferenceChange(ContactPreference.CEASE)
        )
        held = await eventually(lambda: status_of(handle), lambda s: "cease" in (s.next_action or ""))
        await env.sleep(timedelta(days=30))
        after = await status_of(handle)
        await terminate_when_idle(handle)
    assert held.attempts_count == after.attempts_count == 1
    assert [a.channel for a in await attempts(sessions, account_id) if a.status != "blocked"] == ["letter"]


async def test_an_email_opt_out_is_honoured_for_that_address_and_the_cadence_goes_on(
    time_skipping_env, sessions, account_id
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id)
        await eventually(lambda: status_of(handle), lambda s: s.attempts_count == 1)
        async with sessions() as session:
            email = await repository.find_contact_point(session, account_id, "email", "pat@example.com")
        assert email is not None
        await handle.signal(
            AccountCollectionsWorkflow.contact_preference,
            ContactPreferenceChange(ContactPreference.OPT_OUT, email.contact_point_id, Channel.EMAIL.value),
        )
        await env.sleep(timedelta(days=10))
        await eventually(lambda: attempts(sessions, account_id), lambda rows: any(a.channel == "call" for a in rows))
        await terminate_when_idle(handle)
    emails = [a for a in await attempts(sessions, account_id) if a.channel == "email"]
    assert emails and all(a.status == "blocked" and a.rule == "opted_out" for a in emails)


async def test_a_wrong_number_marks_the_phone_bad_and_calls_to_it_stop(time_skipping_env, sessions, account_id):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id)
        call = await report_first_call(env, handle, sessions, account_id, Outcome.WRONG_NUMBER)
        await eventually(lambda: attempts(sessions, account_id), lambda rows: rows[call.attempt_no - 1].outcome)
        await env.sleep(timedelta(days=20))
        await terminate_when_idle(handle)
    later_calls = [a for a in await attempts(sessions, account_id) if a.channel == "call" and a.at > call.at]
    assert later_calls and all(a.status == "blocked" and a.rule == "bad_contact_point" for a in later_calls)
    async with sessions() as session:
        points = await repository.contact_points_for(session, account_id)
    assert [p.bad for p in points if p.kind == "phone"] == [True]


async def test_a_payment_in_full_during_the_cadence_ends_the_account_as_paid(time_skipping_env, sessions, account_id):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id)
        await handle.signal(
            AccountCollectionsWorkflow.payment, PaymentInput(50_000, "PAID-1", RECENTLY_DUE.isoformat())
        )
        result = await handle.result()
    assert result.stage == Stage.PAID


def zone_where_it_is_now(hour: int, now: datetime) -> str:
    """An IANA zone (Etc/GMT±N) in which it is `hour` o'clock at `now`."""
    offset = (hour - now.hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


async def test_an_email_due_at_night_is_held_by_the_hours_rule_and_goes_out_at_8am_local(time_skipping_env, sessions):
    env = time_skipping_env
    zone = zone_where_it_is_now(22, await env.get_current_time())
    account_id = f"H{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, due_date=RECENTLY_DUE, timezone=zone)
    # the 212 number would add New York's hours (1006.6(b)(1)(i)); a wrong number points nowhere
    async with sessions() as session, session.begin():
        phone = await repository.find_contact_point(session, account_id, "phone", "+12125550100")
        assert phone is not None
        await repository.set_point_flags(session, point_id=phone.contact_point_id, bad=True, now=datetime.now(UTC))
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id)
        await env.sleep(timedelta(days=3))
        made = await eventually(
            lambda: attempts(sessions, account_id),
            lambda rows: any(a.channel == "email" and a.status != "blocked" for a in rows),
        )
        await terminate_when_idle(handle)
    emails = [a for a in made if a.channel == "email"]
    assert [(a.status, a.rule) for a in emails] == [("blocked", "calling_hours"), ("sent", None)]
    sent_local = emails[1].at.astimezone(ZoneInfo(zone))
    assert (sent_local.hour, sent_local.minute) == (8, 0), "held until the first allowed minute, not later"
    assert emails[1].local_at.startswith(sent_local.strftime("%Y-%m-%dT08:00"))


async def test_in_massachusetts_the_third_call_in_seven_days_waits_for_a_free_day(
    time_skipping_env, sessions, account_id
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start_contacting(env, queue, account_id, state="MA")
        await env.sleep(timedelta(days=20))
        made = await eventually(
            lambda: attempts(sessions, account_id),
            lambda rows: len([a for a in rows if a.channel == "call" and a.status != "blocked"]) >= 3,
        )
        await terminate_when_idle(handle)
    calls = [a for a in made if a.channel == "call"]
    held = [a for a in calls if a.status == "blocked"]
    assert held and held[0].rule == "call_frequency"
    placed = [local(a.at) for a in calls if a.status != "blocked"]
    for call in placed:
        same_week = [c for c in placed if timedelta(0) <= call.date() - c.date() < timedelta(days=7)]
        assert len(same_week) <= 2, f"{len(same_week)} calls in the 7 days to {call.date()}"
    after_hold = next(c for c in placed if c > local(held[0].at))
    assert (after_hold.hour, after_hold.minute) == (8, 0)
