"""Holds on the time-skipping server: each stops every contact at once and ends in the right place."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain import holds
from domain.contact import Channel
from domain.messages import (
    AccountSnapshot,
    AccountStatus,
    AccountWorkflowInput,
    HoldInput,
    HoldKind,
    HoldOutcome,
    HoldReleaseInput,
    PaymentInput,
    ProbateInput,
)
from domain.stages import Stage
from domain.strategy import CadenceStep
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import RECENTLY_DUE, add_account, eventually, terminate_when_idle
from tests.workflows.test_plans import start_on_plan
from workflows.account import AccountCollectionsWorkflow

BALANCE = 50_000
DEFAULT = load_strategy("default").plan_for(segment="card", state="NY")
# The validation notice now, another letter a minute later (letters keep no hours), then an email.
MINUTE_LATER = replace(
    DEFAULT,
    cadence=[
        CadenceStep(Channel.LETTER, "validation_notice", 0, anchor="start", validation_notice=True),
        CadenceStep(Channel.LETTER, "reminder", 60),
        CadenceStep(Channel.EMAIL, "reminder", 86_400),
    ],
)


async def start(env: WorkflowEnvironment, queue: str, sessions, plan=MINUTE_LATER, due: date = RECENTLY_DUE):
    account_id = f"H{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, balance_cents=BALANCE, due_date=due)
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", due.isoformat(), "card")
    handle = await env.client.start_workflow(
        AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, snapshot=snapshot, plan=plan),
        id=workflow_id_for(account_id), task_queue=queue,
    )  # fmt: skip
    return handle, account_id


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def attempts(sessions, account_id: str) -> list:
    async with sessions() as session:
        return await repository.attempts_for(session, account_id)


def petition(case: str = "BK-1", chapter: str = "7", filed_on: str | None = None) -> HoldInput:
    return holds.bankruptcy_hold(case, chapter=chapter, filed_on=filed_on or date.today().isoformat(), court="SDNY")


HOLDS_AND_ENDS = [
    pytest.param(petition(), HoldReleaseInput(kind=HoldKind.BANKRUPTCY), id="bankruptcy-dismissed"),
    pytest.param(
        holds.dispute_hold("DSP-1", reason="not mine"), HoldReleaseInput("DSP-1", HoldOutcome.VERIFIED), id="dispute"
    ),
    pytest.param(
        holds.deceased_hold("RIP-1", date_of_death="2026-01-02"), HoldReleaseInput("RIP-1"), id="deceased-lifted"
    ),
    pytest.param(HoldInput("LIT-1", HoldKind.LEGAL, "litigation"), HoldReleaseInput("LIT-1"), id="legal"),
]


@pytest.mark.parametrize(("hold", "release"), HOLDS_AND_ENDS)
async def test_no_contact_of_any_channel_while_on_hold_not_even_one_due_a_minute_later(
    time_skipping_env, sessions, hold: HoldInput, release: HoldReleaseInput
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions)
        await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) == 1)
        await handle.signal(AccountCollectionsWorkflow.place_hold, hold)
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        await env.sleep(timedelta(days=20))
        during = await attempts(sessions, account_id)
        await handle.signal(AccountCollectionsWorkflow.release_hold, release)
        await env.sleep(timedelta(minutes=2))  # the letter due a minute after the notice is due a minute after the hold
        resumed = await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) >= 2)
        await terminate_when_idle(handle)
    assert [a.template for a in during] == ["validation_notice"], "nothing went out while on hold"
    if hold.kind == HoldKind.DISPUTE:
        assert resumed[1].template == "verification", "the verification letter goes out before anything else"
    else:
        assert resumed[1].template == "reminder"


async def test_a_bankruptcy_files_a_proof_of_claim_and_dismissal_resumes_with_the_hold_time_not_counted(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions, plan=DEFAULT)
        before = await eventually(
            lambda: status_of(handle), lambda s: s.attempts_count == 1 and s.next_action_at is not None
        )
        filed_on = (await env.get_current_time()).date()
        await handle.signal(AccountCollectionsWorkflow.place_hold, petition("BK-7", "7", filed_on.isoformat()))
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        await env.sleep(timedelta(days=30))
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput(kind=HoldKind.BANKRUPTCY))
        after = await eventually(  # the resumed stage sets its next action once it has looked at the cadence
            lambda: status_of(handle),
            lambda s: s.stage == Stage.CONTACTING and not s.holds and s.next_action_at is not None,
        )
        await terminate_when_idle(handle)
        async with sessions() as session:
            [claim] = await repository.claims_for(session, account_id)
            [hold] = await repository.holds_for(session, account_id)
    assert (claim.kind, claim.amount_cents, claim.deadline) == ("proof_of_claim", BALANCE, filed_on + timedelta(70))
    assert (hold.kind, hold.outcome, hold.detail["case_number"]) == ("bankruptcy", "resume", "BK-7")
    assert before.next_action_at is not None and after.next_action_at is not None
    held = after.next_action_at - before.next_action_at
    assert timedelta(days=30) <= held <= timedelta(days=31), "the next contact moved on by the time on hold"


async def test_a_bankruptcy_during_a_placement_recalls_it_and_a_discharge_writes_the_balance_off(
    time_skipping_env, sessions
):
    env = time_skipping_env
    long_ago = (await env.get_current_time()).date() - timedelta(days=200)
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions, plan=DEFAULT, due=long_ago)
        await eventually(lambda: status_of(handle), lambda s: s.placement is not None)
        await handle.signal(AccountCollectionsWorkflow.place_hold, petition("BK-13", "13"))
        await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(5_000, "TRUSTEE-1", "2026-01-01"))
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD and s.payments_count == 1)
        await handle.signal(
            AccountCollectionsWorkflow.release_hold,
            HoldReleaseInput(kind=HoldKind.BANKRUPTCY, outcome=HoldOutcome.DISCHARGE),
        )
        result = await handle.result()
    assert (result.stage, result.balance_cents, result.collected_cents) == (Stage.DISCHARGED, 0, 5_000)
    async with sessions() as session:
        [placement] = await repository.placements_for(session, account_id)
        account = await repository.get_account(session, account_id)
    assert placement.status == "recalled" and placement.recall_reason == "bankruptcy hold BK-13"
    assert account is not None and account.written_off_cents == BALANCE - 5_000


async def test_probate_names_the_only_contact_files_the_estate_claim_and_the_estates_payment_settles(
    time_skipping_env, sessions
):
    env = time_skipping_env
    deadline = ((await env.get_current_time()).date() + timedelta(days=90)).isoformat()
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions)
        await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) == 1)
        await handle.signal(
            AccountCollectionsWorkflow.place_hold, holds.deceased_hold("RIP-9", date_of_death="2026-01-02")
        )
        probate = ProbateInput("Morgan Estate-Rep", deadline, email="rep@example.com")
        await handle.signal(AccountCollectionsWorkflow.probate, probate)
        await env.sleep(timedelta(days=10))
        await handle.signal(
            AccountCollectionsWorkflow.payment, PaymentInput(20_000, "ESTATE-1", "2026-02-01", "estate")
        )
        result = await handle.result()
    assert (result.stage, result.balance_cents, result.collected_cents) == (Stage.SETTLED, 0, 20_000)
    async with sessions() as session:
        [claim] = await repository.claims_for(session, account_id)
        points = await repository.contact_points_for(session, account_id)
        account = await repository.get_account(session, account_id)
    assert (claim.kind, claim.amount_cents, claim.deadline.isoformat()) == ("estate_claim", BALANCE, deadline)
    assert [p.value for p in points if p.role == "representative"] == ["rep@example.com"]
    assert account is not None and account.written_off_cents == 30_000
    assert len(await attempts(sessions, account_id)) == 1, "nobody was contacted after the death"


@pytest.mark.parametrize(("disputed", "stage"), [(None, Stage.CLOSED), (20_000, Stage.CONTACTING)])
async def test_an_upheld_dispute_takes_the_disputed_amount_off_and_closes_when_nothing_is_left(
    time_skipping_env, sessions, disputed: int | None, stage: Stage
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions)
        await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) == 1)
        dispute = holds.dispute_hold("DSP-2", reason="amount wrong", disputed_cents=disputed)
        await handle.signal(AccountCollectionsWorkflow.place_hold, dispute)
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("DSP-2", HoldOutcome.UPHELD))
        if stage == Stage.CLOSED:
            result = await handle.result()
            found = (result.stage, result.balance_cents)
        else:
            status = await eventually(lambda: status_of(handle), lambda s: s.stage == stage)
            found = (status.stage, status.balance_cents)
            await terminate_when_idle(handle)
    assert found == (stage, BALANCE - (disputed or BALANCE))


async def test_a_dispute_during_a_bankruptcy_then_the_discharge_ends_discharged(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions)
        await handle.signal(AccountCollectionsWorkflow.place_hold, petition("BK-2"))
        await handle.signal(AccountCollectionsWorkflow.place_hold, holds.dispute_hold("DSP-3", reason="not mine"))
        await eventually(lambda: status_of(handle), lambda s: len(s.holds) == 2)
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("BK-2", HoldOutcome.DISCHARGE))
        result = await handle.result()
    assert result.stage == Stage.DISCHARGED
    async with sessions() as session:
        trail = [e.action for e in await repository.audit_trail(session, account_id)]
    assert trail.count("hold.placed") == 2 and trail.count("hold.released") == 1 and "claim.filed" in trail


async def test_a_bankruptcy_during_a_plan_stops_its_installment_timers_and_dismissal_moves_the_dates_on(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, _ = await start_on_plan(env, queue, sessions)
        before = await eventually(lambda: status_of(handle), lambda s: s.next_installment_due is not None)
        await handle.signal(AccountCollectionsWorkflow.place_hold, petition("BK-P"))
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        await env.sleep(timedelta(days=60))  # two installments fall due (and their grace ends) during the stay
        during = await status_of(handle)
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput(kind=HoldKind.BANKRUPTCY))
        after = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_PLAN and not s.holds)
        await terminate_when_idle(handle)
    assert during.installments_missed == 0 and during.plan == before.plan, "no installment was judged on hold"
    assert before.next_installment_due is not None and after.next_installment_due is not None
    moved = date.fromisoformat(after.next_installment_due) - date.fromisoformat(before.next_installment_due)
    assert moved == timedelta(days=61), "the due dates moved on by the days on hold (rounded up)"


async def test_a_hold_a_month_into_simulated_time_is_recorded_at_that_time_not_the_wall_clock(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start(env, queue, sessions, plan=DEFAULT)
        await eventually(lambda: status_of(handle), lambda s: s.attempts_count == 1)
        await env.sleep(timedelta(days=30))
        placed_at = await env.get_current_time()
        await handle.signal(AccountCollectionsWorkflow.place_hold, petition("BK-30", "7", placed_at.date().isoformat()))
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        await env.sleep(timedelta(days=10))
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput(kind=HoldKind.BANKRUPTCY))
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.CONTACTING and not s.holds)
        await terminate_when_idle(handle)
        async with sessions() as session:
            [hold] = await repository.holds_for(session, account_id)
            [claim] = await repository.claims_for(session, account_id)
            trail = await repository.audit_trail(session, account_id)
    wall_clock = datetime.now(UTC)
    assert placed_at - wall_clock > timedelta(days=29), "the server's clock was skipped a month ahead"
    assert timedelta(0) <= hold.placed_at - placed_at < timedelta(hours=1), (hold.placed_at, placed_at)
    assert hold.released_at is not None and hold.released_at - hold.placed_at >= timedelta(days=10)
    to_hold = next(e for e in trail if e.action == "stage.changed" and e.detail["to"] == Stage.ON_HOLD.value)
    for written in (claim.filed_at, to_hold.at):  # each at the workflow's time of its own step, moments apart
        assert timedelta(0) <= written - hold.placed_at < timedelta(minutes=1), (written, hold.placed_at)
