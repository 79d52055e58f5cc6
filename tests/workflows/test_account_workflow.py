"""The account workflow frame on the time-skipping server, with the real activities and a real store."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain import holds
from domain.messages import (
    AccountStatus,
    AccountWorkflowInput,
    HoldInput,
    HoldKind,
    HoldOutcome,
    HoldReleaseInput,
    PaymentInput,
)
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from store import repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, snapshot_of, terminate_when_idle
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow


def CHAPTER_13(case_number: str) -> HoldInput:  # noqa: N802 (reads as a constant)
    return holds.bankruptcy_hold(case_number, chapter="13", filed_on="2026-01-05")


def new_account_id() -> str:
    return f"T{uuid.uuid4().hex[:10]}"


async def start(env: WorkflowEnvironment, sessions, task_queue: str, account_id: str, **options: int) -> WorkflowHandle:
    return await env.client.start_workflow(
        AccountCollectionsWorkflow.run,
        AccountWorkflowInput(account_id, snapshot=await snapshot_of(sessions, account_id), **options),
        id=workflow_id_for(account_id),
        task_queue=task_queue,
    )


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


def payment(cents: int, reference: str) -> PaymentInput:
    return PaymentInput(cents, reference, "2026-02-01")


async def test_payment_in_full_ends_the_workflow_as_paid_and_mirrors_it_in_the_store(time_skipping_env, sessions):
    account_id = new_account_id()
    await add_account(sessions, account_id, balance_cents=12_345)
    async with running_worker(time_skipping_env.client, sessions) as queue:
        handle = await start(time_skipping_env, sessions, queue, account_id)
        await handle.signal(AccountCollectionsWorkflow.payment, payment(12_345, "REF-1"))
        result = await handle.result()
    assert (result.stage, result.balance_cents, result.collected_cents) == (Stage.PAID, 0, 12_345)
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
        trail = [entry.action for entry in await repository.audit_trail(session, account_id)]
    assert account is not None and account.stage == Stage.PAID and account.balance_cents == 0
    assert trail.count("payment.recorded") == 1 and trail[-1] == "stage.changed"


async def test_the_same_payment_reference_twice_changes_the_balance_once(time_skipping_env, sessions):
    account_id = new_account_id()
    await add_account(sessions, account_id, balance_cents=10_000)
    async with running_worker(time_skipping_env.client, sessions) as queue:
        handle = await start(time_skipping_env, sessions, queue, account_id)
        for reference in ("P-1", "P-1", "P-2", "P-1"):
            await handle.signal(AccountCollectionsWorkflow.payment, payment(2_500, reference))
        status = await eventually(lambda: status_of(handle), lambda s: s.payments_count == 2)
        assert status.balance_cents == 5_000 and status.stage == Stage.CONTACTING
        async with sessions() as session:
            assert [p.reference for p in await repository.payments_for(session, account_id)] == ["P-1", "P-2"]
        await terminate_when_idle(handle)


async def test_a_malformed_payment_signal_is_ignored_and_the_account_keeps_working(time_skipping_env, sessions):
    account_id = new_account_id()
    await add_account(sessions, account_id, balance_cents=10_000)
    async with running_worker(time_skipping_env.client, sessions) as queue:
        handle = await start(time_skipping_env, sessions, queue, account_id)
        await handle.signal(AccountCollectionsWorkflow.payment, payment(-500, "NEG"))
        await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(500, "BAD-DATE", "yesterday"))
        await handle.signal(AccountCollectionsWorkflow.payment, payment(10_000, "GOOD"))
        result = await handle.result()
    assert result.stage == Stage.PAID and result.collected_cents == 10_000


async def test_a_hold_interrupts_the_running_stage_at_once_and_collection_resumes_where_it_stopped(
    time_skipping_env, sessions
):
    account_id = new_account_id()
    await add_account(sessions, account_id)
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle = await start(env, sessions, queue, account_id)
        await env.sleep(timedelta(days=3, hours=1))
        before = await eventually(lambda: status_of(handle), lambda s: s.next_action_at is not None)

        await handle.signal(AccountCollectionsWorkflow.place_hold, HoldInput("D-1", HoldKind.DISPUTE, "not mine"))
        held = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        assert held.hold == "dispute: not mine" and held.resume_stage == Stage.CONTACTING
        assert held.next_action == "wait for the hold to end" and held.next_action_at is None

        await env.sleep(timedelta(days=10))
        still_held = await status_of(handle)
        assert still_held.stage == Stage.ON_HOLD, "ten days on hold: the stage's timers must not fire"

        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("D-1", HoldOutcome.RESUME))
        resumed = await eventually(
            lambda: status_of(handle), lambda s: s.stage == Stage.CONTACTING and s.next_action_at is not None
        )
        assert resumed.hold is None and resumed.next_action == "review (contacting)"
        await terminate_when_idle(handle)
        await Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner()).replay_workflow(
            await handle.fetch_history()
        )
    async with sessions() as session:
        trail = await repository.audit_trail(session, account_id)
    stages = [e.detail["to"] for e in trail if e.action == "stage.changed"]
    assert stages == ["contacting", "on_hold", "contacting"]
    assert [e.action for e in trail if e.action.startswith("hold.")] == ["hold.placed", "hold.released"]
    assert before.next_action == "review (contacting)"


async def test_stacked_holds_keep_the_account_on_hold_until_the_last_one_is_released(time_skipping_env, sessions):
    account_id = new_account_id()
    await add_account(sessions, account_id)
    async with running_worker(time_skipping_env.client, sessions) as queue:
        handle = await start(time_skipping_env, sessions, queue, account_id)
        await handle.signal(AccountCollectionsWorkflow.place_hold, CHAPTER_13("BK-1"))
        await handle.signal(AccountCollectionsWorkflow.place_hold, HoldInput("D-1", HoldKind.DISPUTE, "amount"))
        await eventually(lambda: status_of(handle), lambda s: len(s.holds) == 2)
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("D-1"))
        after_one = await eventually(
            lambda: status_of(handle), lambda s: len(s.holds) == 1 and s.stage == Stage.ON_HOLD
        )
        assert after_one.hold == "bankruptcy: chapter 13"
        await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("BK-1", HoldOutcome.DISCHARGE))
        result = await handle.result()
    assert result.stage == Stage.DISCHARGED and result.balance_cents == 0
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
    assert account is not None and (account.balance_cents, account.written_off_cents) == (0, 50_000)


async def test_payments_during_a_hold_are_applied_and_can_pay_the_account_off(time_skipping_env, sessions):
    account_id = new_account_id()
    await add_account(sessions, account_id, balance_cents=8_000)
    async with running_worker(time_skipping_env.client, sessions) as queue:
        handle = await start(time_skipping_env, sessions, queue, account_id)
        await handle.signal(AccountCollectionsWorkflow.place_hold, CHAPTER_13("BK-13"))
        await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.ON_HOLD)
        await handle.signal(AccountCollectionsWorkflow.payment, payment(8_000, "TRUSTEE-1"))
        result = await handle.result()
    assert result.stage == Stage.PAID


async def test_a_workflow_started_without_the_accounts_snapshot_fails_at_once_with_a_clear_error(
    time_skipping_env, sessions
):
    from temporalio.client import WorkflowFailureError

    account_id = "NOPE-" + new_account_id()
    async with running_worker(time_skipping_env.client, sessions) as queue:
        handle = await time_skipping_env.client.start_workflow(
            AccountCollectionsWorkflow.run,
            AccountWorkflowInput(account_id),
            id=workflow_id_for(account_id),
            task_queue=queue,
        )
        try:
            await handle.result()
        except WorkflowFailureError as err:
            assert "started without the account's snapshot" in str(err.cause)
        else:
            raise AssertionError("an unknown account must not run")


async def test_a_reference_that_belongs_to_another_account_changes_nothing_and_the_account_keeps_working(
    time_skipping_env, sessions
):
    owner, other = new_account_id(), new_account_id()
    await add_account(sessions, owner, balance_cents=9_000)
    await add_account(sessions, other, balance_cents=7_000)
    async with running_worker(time_skipping_env.client, sessions) as queue:
        owner_handle = await start(time_skipping_env, sessions, queue, owner)
        other_handle = await start(time_skipping_env, sessions, queue, other)
        await owner_handle.signal(AccountCollectionsWorkflow.payment, payment(1_000, "SHARED"))
        await eventually(lambda: status_of(owner_handle), lambda s: s.payments_count == 1)
        await other_handle.signal(AccountCollectionsWorkflow.payment, payment(1_000, "SHARED"))
        await other_handle.signal(AccountCollectionsWorkflow.payment, payment(7_000, "OWN"))
        result = await other_handle.result()
        await terminate_when_idle(owner_handle)
    assert (result.stage, result.collected_cents) == (Stage.PAID, 7_000)
    async with sessions() as session:
        assert [p.reference for p in await repository.payments_for(session, other)] == ["OWN"]
