"""Contact updates on the time-skipping server: a point added or retired in the store, then the workflow told
to reload its contact snapshot (`contact_preference` CONTACT_POINTS, what ops/contact_updates.py sends),
changes what the gate allows at the next step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.contact_messages import ContactPreference
from domain.messages import AccountSnapshot, AccountWorkflowInput, ContactPreferenceChange
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import contact_updates, repository
from store.contact_updates import Consent
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, terminate_when_idle
from workflows.account import AccountCollectionsWorkflow

RECENTLY_DUE = (datetime.now(UTC) - timedelta(days=10)).date()
STRATEGY = """
name = "contact-updates"
version = "2026-12-07"

[profiles.reg-f]
max_calls_per_7_days = 7
quiet_days_after_conversation = 7
earliest = "08:00"
latest = "21:00"
validation_notice_first = true

[segments.default]
profile = "reg-f"
cadence = [
  { channel = "letter", validation_notice = true, anchor = "start", after = "0s" },
  { channel = "call", autodialed = true, after = "1d" },
]
exit = { right_party_contact = "negotiating", referral_days_past_due = 180, refer_when_cadence_ends = false }
"""


@pytest.fixture
async def account_id(sessions) -> str:
    """A New York debtor whose one phone (212) has no consent to autodialed calls."""
    account_id = f"U{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, due_date=RECENTLY_DUE)
    return account_id


async def start(env: WorkflowEnvironment, queue: str, account_id: str, tmp_path: Path) -> WorkflowHandle:
    (tmp_path / "strategy.toml").write_text(STRATEGY)
    plan = load_strategy(str(tmp_path / "strategy.toml")).plan_for(segment="card", state="NY")
    snapshot = AccountSnapshot(account_id, 50_000, "USD", RECENTLY_DUE.isoformat(), "card")
    return await env.client.start_workflow(
        AccountCollectionsWorkflow.run,
        AccountWorkflowInput(account_id, snapshot=snapshot, plan=plan),
        id=workflow_id_for(account_id),
        task_queue=queue,
    )


async def attempts(sessions, account_id: str) -> list:
    async with sessions() as session:
        return await repository.attempts_for(session, account_id)


async def notice_sent(sessions, account_id: str) -> None:
    await eventually(lambda: attempts(sessions, account_id), lambda rows: len(rows) == 1, timeout=30)


async def the_call(env: WorkflowEnvironment, sessions, account_id: str):
    """Let the call step fall due (a day, then calling hours), and return its attempt."""
    await env.sleep(timedelta(days=2))
    made = await eventually(
        lambda: attempts(sessions, account_id), lambda rows: any(a.channel == "call" for a in rows), timeout=30
    )
    return next(a for a in made if a.channel == "call")


async def reload(handle: WorkflowHandle) -> None:
    await handle.signal(
        AccountCollectionsWorkflow.contact_preference, ContactPreferenceChange(ContactPreference.CONTACT_POINTS)
    )


async def test_without_a_consented_phone_the_autodialed_call_is_blocked(
    time_skipping_env, sessions, account_id, tmp_path
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start(env, queue, account_id, tmp_path)
        call = await the_call(env, sessions, account_id)
        await terminate_when_idle(handle)
    assert (call.status, call.rule) == ("blocked", "no_consent")


async def test_a_mobile_added_with_autodialer_consent_is_the_one_the_next_call_uses(
    time_skipping_env, sessions, account_id, tmp_path
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start(env, queue, account_id, tmp_path)
        await notice_sent(sessions, account_id)
        async with sessions() as session, session.begin():
            added = await contact_updates.add_contact_point(
                session, account_id=account_id, kind="phone", value="(646) 555-0142", source="debtor",
                consent=Consent(autodialer=True), now=datetime.now(UTC), actor="jane",
            )  # fmt: skip
        await reload(handle)
        call = await the_call(env, sessions, account_id)
        await terminate_when_idle(handle)
    assert call.status == "sent" and call.contact_point_id == added.point.contact_point_id


async def test_retiring_the_only_phone_leaves_the_gate_no_phone_to_call(
    time_skipping_env, sessions, account_id, tmp_path
):
    env = time_skipping_env
    async with sessions() as session, session.begin():  # consent, so that only the retirement can block the call
        phone = next(p for p in await repository.contact_points_for(session, account_id) if p.kind == "phone")
        await contact_updates.update_contact_point(
            session, account_id=account_id, point_id=phone.contact_point_id, source=None,
            consent=Consent(autodialer=True), now=datetime.now(UTC), actor="jane",
        )  # fmt: skip
    async with running_worker(env.client, sessions) as queue:
        handle = await start(env, queue, account_id, tmp_path)
        await notice_sent(sessions, account_id)
        async with sessions() as session, session.begin():
            await contact_updates.retire_contact_point(
                session, account_id=account_id, point_id=phone.contact_point_id, reason="disconnected",
                now=datetime.now(UTC), actor="jane",
            )  # fmt: skip
        await reload(handle)
        call = await the_call(env, sessions, account_id)
        await terminate_when_idle(handle)
    assert (call.status, call.rule) == ("blocked", "bad_contact_point")
