"""Payment reversals on the time-skipping server: the installment a bounced payment paid is open again and
judged with its grace; a paid account whose last payment bounces is collected again where it left off."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.negotiation_messages import OfferKind
from domain.reversal_messages import PaymentReversalInput, ReversalReason
from domain.stages import Stage
from ops.context import OpsContext
from ops.reversals import send_reversal
from service.config import load_settings
from store import repository, reversals
from tests.conftest import running_worker
from tests.support.accounts import eventually, terminate_when_idle
from tests.workflows.test_plans import POLICY, pay, start_on_plan, status_of
from workflows.account import AccountCollectionsWorkflow

GRACE = POLICY.negotiation.grace_days


async def balance(sessions: async_sessionmaker[AsyncSession], account_id: str) -> int:
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
    assert account is not None
    return account.balance_cents


async def test_a_bounced_installment_is_open_again_and_breaks_the_plan_once_its_grace_is_over(
    time_skipping_env, sessions
):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_on_plan(env, queue, sessions)
        first_due = (await status_of(handle)).next_installment_due
        await env.sleep(timedelta(days=9))
        await pay(handle, 30_000, "INST-1")
        await eventually(
            lambda: status_of(handle), lambda s: s.payments_count == 1 and s.next_installment_due != first_due
        )
        await env.sleep(timedelta(days=2))  # due on day 10: the bounce comes on day 11, within the grace
        bounced = PaymentReversalInput("INST-1", "RET-1", ReversalReason.NSF, 30_000, "R01")
        await handle.signal(AccountCollectionsWorkflow.payment_reversal, bounced)
        await handle.signal(AccountCollectionsWorkflow.payment_reversal, bounced)  # delivered twice: once
        reopened = await eventually(lambda: status_of(handle), lambda s: s.balance_cents == 90_000)
        assert (reopened.stage, reopened.next_installment_due, reopened.collected_cents) == (
            Stage.ON_PLAN,
            first_due,
            0,
        )
        await env.sleep(timedelta(days=GRACE + 1))
        broken = await eventually(lambda: status_of(handle), lambda s: s.stage == Stage.NEGOTIATING)
        await terminate_when_idle(handle)
    assert broken.installments_missed == 1 and await balance(sessions, account_id) == 90_000
    async with sessions() as session:
        [plan] = await repository.plans_for(session, account_id)
        [reversal] = await reversals.reversals_for(session, account_id)
        trail = [e.action for e in await repository.audit_trail(session, account_id)]
    assert plan.status == "broken" and [i.status for i in plan.installments] == ["missed", "scheduled", "scheduled"]
    assert (reversal.reference, reversal.payment_reference, reversal.return_code) == ("RET-1", "INST-1", "R01")
    assert trail.count("payment.reversed") == 1


async def test_a_paid_account_whose_last_payment_bounces_is_collected_again_from_its_plan(time_skipping_env, sessions):
    env = time_skipping_env
    async with running_worker(env.client, sessions) as queue:
        handle, account_id = await start_on_plan(env, queue, sessions, kind=OfferKind.INSTALLMENTS, count=1)
        await env.sleep(timedelta(days=9))
        await pay(handle, 90_000, "ALL-1")
        assert (await handle.result()).stage == Stage.PAID
        ctx = OpsContext(load_settings(collections_task_queue=queue), env.client, sessions)
        said = await send_reversal(ctx, account_id, payment_reference="ALL-1", reason=ReversalReason.NSF)
        assert said == (
            f"reversal of payment ALL-1 ($900.00, nsf) sent to account {account_id}; the account was paid: "
            "collected again from where it left off (on plan)"
        )
        again = env.client.get_workflow_handle_for(AccountCollectionsWorkflow.run, handle.id)
        status = await eventually(lambda: status_of(again), lambda s: s.stage == Stage.ON_PLAN)
        assert (status.balance_cents, status.next_installment_cents) == (90_000, 90_000)
        assert await send_reversal(ctx, account_id, payment_reference="ALL-1", reason=ReversalReason.NSF) == (
            "duplicate: reversal reversal:ALL-1 was already recorded on "
            f"{(await env.get_current_time()).date().isoformat()}; nothing changed"
        )
        await pay(again, 90_000, "ALL-2")
        assert (await again.result()).stage == Stage.PAID
    async with sessions() as session:
        [plan] = await repository.plans_for(session, account_id)
        changes = [e.detail for e in await repository.audit_trail(session, account_id) if e.action == "stage.changed"]
    assert plan.status == "completed" and [i.paid_cents for i in plan.installments] == [90_000]
    assert [(c["to"], c["reason"]) for c in changes][-3:] == [
        ("paid", "account closed"), ("on_plan", "reopened: payment ALL-1 reversed (nsf)"), ("paid", "account closed")
    ]  # fmt: skip
