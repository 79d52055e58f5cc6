"""The account lifecycles the Temporal benchmarks drive, and the baseline they are compared with.

- paid on first contact (dev server): the real AccountCollectionsWorkflow started with a strategy
  and a snapshot as `starter.py start` does; once its first contact (the validation-notice letter)
  is in the store, the debtor pays the balance in full (`payment` signal); the workflow ends `paid`.
- six-installment plan (time-skipping server): the workflow started `on_plan` with a prebuilt state,
  as tests/workflows/test_plans.py does (that server has no updates); each installment is paid on
  its due date, the clock skipped from one to the next, the sixth ends the account `paid`.
- baseline: bench/_baseline.py's no-op workflow with one activity: start, one signal, result.

The drivers wait for the workflow by reading the store, never by querying the workflow: on the
time-skipping server a query adds a workflow task to the history.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from _baseline import NoopWorkflow, noop_activity
from _support import Store
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import lifecycle, negotiation
from domain.intake import parse_accounts_csv
from domain.messages import AccountSnapshot, AccountWorkflowInput, AccountWorkflowResult, PaymentInput
from domain.negotiation_messages import ActivePlan, Installment, Offer, OfferKind
from domain.stages import Stage
from domain.strategy import Strategy
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from ops.synthetic import synthetic_portfolio_csv
from service.logging import configure_logging
from store import repository
from store.models import ContactAttemptRow, InstallmentRow, PlanRow
from store.views import AccountView
from worker_wiring import all_activities
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

PLAN_INSTALLMENTS = 6
FIRST_INSTALLMENT_AFTER = timedelta(days=10)
POLL_SECONDS = 0.01
WAIT_LIMIT_SECONDS = 120.0
DAYS_PAST_DUE = 20
"""Inside every shipped strategy's thresholds: a new account starts in `contacting` and stays there."""


class LifecycleError(RuntimeError):
    """A lifecycle did not end the way the scenario expects."""


def log_like_the_worker() -> None:
    """The worker's own logging (structlog, info, JSON lines), written to /dev/null: its cost counts."""
    configure_logging(log_format="json", level="info")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (open for the life of the process)


def strategy() -> Strategy:
    return load_strategy("default")


@asynccontextmanager
async def engine_worker(client: Client, store: Store) -> AsyncIterator[str]:
    """One worker with the real workflow and activities plus the baseline, on a fresh queue."""
    task_queue = f"bench-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[AccountCollectionsWorkflow, NoopWorkflow],
        workflow_runner=workflow_runner(),
        activities=[*all_activities(store.sessions, None), noop_activity],
    ):
        yield task_queue


@asynccontextmanager
async def reader(store: Store) -> AsyncIterator[AsyncEngine]:
    """A plain engine for the drivers' polling: no BEGIN IMMEDIATE, so it never takes SQLite's write lock."""
    engine = create_async_engine(store.url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def accounts(store: Store, count: int, *, prefix: str, today: date) -> list[AccountView]:
    """`count` synthetic accounts loaded as `starter.py load` does, all 20 days past due."""
    records = parse_accounts_csv(synthetic_portfolio_csv(count, seed=11, as_of=today, prefix=prefix))
    due = today - timedelta(days=DAYS_PAST_DUE)
    records = [dataclasses.replace(record, due_date=due) for record in records]
    async with store.sessions() as session, session.begin():
        await repository.upsert_accounts(session, records, now=datetime.now(UTC))
        found = await repository.get_accounts(session, [r.account_id for r in records])
    return [found[r.account_id] for r in records]


async def _until(probe_description: str, probe: Callable[[], Awaitable[bool]]) -> None:
    """Poll `probe` until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT_SECONDS
    while not await probe():
        if loop.time() > deadline:
            raise LifecycleError(f"gave up waiting for {probe_description} after {WAIT_LIMIT_SECONDS:.0f} s")
        await asyncio.sleep(POLL_SECONDS)


def _count_reaches(polling: AsyncEngine, query: Select[int], target: int) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        async with polling.connect() as connection:
            return (await connection.execute(query)).scalar_one() >= target

    return probe


def _check_paid(result: AccountWorkflowResult, scenario: str) -> None:
    if result.stage != Stage.PAID or result.balance_cents != 0:
        raise LifecycleError(f"{scenario}: account {result.account_id} ended {result.stage}, {result.balance_cents}")


# ---- paid on first contact ----


def start_input(plans: Strategy, account: AccountView) -> AccountWorkflowInput:
    """What `starter.py start` hands a new workflow: the account's snapshot and its strategy plan."""
    snapshot = AccountSnapshot(
        account.account_id, account.balance_cents, account.currency, account.due_date.isoformat(), account.segment
    )
    return AccountWorkflowInput(
        account.account_id, snapshot=snapshot, plan=plans.plan_for(segment=account.segment, state=account.state)
    )


class ContactWatcher:
    """Waits for accounts' first contact in the store: one query per tick for all the accounts
    waiting, so that the drivers' polling costs the same however many lifecycles are in flight."""

    def __init__(self, polling: AsyncEngine) -> None:
        self._polling = polling
        self._waiting: dict[str, asyncio.Future[None]] = {}
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ContactWatcher:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def first_contact(self, account_id: str) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[account_id] = future
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch())
        try:
            await asyncio.wait_for(future, WAIT_LIMIT_SECONDS)
        except TimeoutError:
            raise LifecycleError(f"no first contact of {account_id} after {WAIT_LIMIT_SECONDS:.0f} s") from None
        finally:
            self._waiting.pop(account_id, None)

    async def _watch(self) -> None:
        while self._waiting:
            ids = list(self._waiting)
            query = (
                select(ContactAttemptRow.account_id)
                .where(ContactAttemptRow.account_id.in_(ids), ContactAttemptRow.status == "sent")
                .distinct()
            )
            async with self._polling.connect() as connection:
                contacted = list((await connection.execute(query)).scalars())
            for account_id in contacted:
                future = self._waiting.pop(account_id, None)
                if future is not None and not future.done():
                    future.set_result(None)
            await asyncio.sleep(POLL_SECONDS)


async def paid_on_first_contact(
    client: Client, queue: str, watcher: ContactWatcher, plans: Strategy, account: AccountView
) -> WorkflowHandle:
    """Start (as `starter.py start`), wait for the first contact, pay in full, wait for `paid`."""
    handle = await client.start_workflow(
        AccountCollectionsWorkflow.run,
        start_input(plans, account),
        id=workflow_id_for(account.account_id),
        task_queue=queue,
    )
    await watcher.first_contact(account.account_id)
    payment = PaymentInput(account.balance_cents, f"PAY-{account.account_id}", date.today().isoformat())
    await handle.signal(AccountCollectionsWorkflow.payment, payment)
    _check_paid(await handle.result(), "paid on first contact")
    return handle


# ---- six-installment plan ----


@dataclass
class PreparedPlan:
    account_id: str
    request: AccountWorkflowInput
    installments: list[Installment]


async def prepare_plan(store: Store, plans: Strategy, account: AccountView, now: datetime) -> PreparedPlan:
    """The plan agreed in negotiation, in the store and in a prebuilt state (tests/workflows/test_plans.py)."""
    today = now.date()
    schedule = negotiation.installment_schedule(
        account.balance_cents, PLAN_INSTALLMENTS, today + FIRST_INSTALLMENT_AFTER, 30
    )
    offer = Offer(OfferKind.INSTALLMENTS, account.balance_cents, 0, schedule)
    async with store.sessions() as session, session.begin():
        await repository.create_plan(
            session, account_id=account.account_id, plan_no=1, offer=offer, proposed_by="debtor", approved_by=None,
            approver_role=None, now=now,
        )  # fmt: skip
    snapshot = AccountSnapshot(
        account.account_id, account.balance_cents, account.currency, account.due_date.isoformat(), account.segment
    )
    state = lifecycle.new_account_state(snapshot, now, plans.plan_for(segment=account.segment, state=account.state))
    state.stage = state.resume_stage = Stage.ON_PLAN
    state.stage_changes = 1
    state.negotiation.plan = ActivePlan(1, offer, "debtor")
    state.negotiation.plans_made = 1
    state.contact.validation_notice_sent_at = now - timedelta(days=30)  # contacting sent it before the plan
    return PreparedPlan(account.account_id, AccountWorkflowInput(account.account_id, state=state), schedule)


async def six_installment_plans(
    env: WorkflowEnvironment, queue: str, polling: AsyncEngine, prepared: list[PreparedPlan]
) -> list[WorkflowHandle]:
    """Run the plans side by side (one clock): start them, then for each installment skip to its due
    date, pay it on every account and wait until the store shows it paid; the last one pays the account."""
    handles = [
        await env.client.start_workflow(
            AccountCollectionsWorkflow.run, plan.request, id=workflow_id_for(plan.account_id), task_queue=queue
        )
        for plan in prepared
    ]
    for number in range(PLAN_INSTALLMENTS):
        current = (await env.get_current_time()).date()
        due = date.fromisoformat(prepared[0].installments[number].due_date)
        await env.sleep(timedelta(days=max((due - current).days, 0)))
        for handle, plan in zip(handles, prepared, strict=True):
            installment = plan.installments[number]
            payment = PaymentInput(
                installment.amount_cents, f"INST-{plan.account_id}-{number + 1}", installment.due_date
            )
            await handle.signal(AccountCollectionsWorkflow.payment, payment)
        ids = [plan.account_id for plan in prepared]
        paid = (
            select(func.count())
            .select_from(InstallmentRow)
            .join(PlanRow, PlanRow.id == InstallmentRow.plan_id)
            .where(PlanRow.account_id.in_(ids), InstallmentRow.number == number + 1, InstallmentRow.status == "paid")
        )
        await _until(
            f"installment {number + 1} of {len(ids)} plan(s) in the store", _count_reaches(polling, paid, len(ids))
        )
    for handle in handles:
        _check_paid(await handle.result(), "six-installment plan")
    return handles


# ---- the baseline ----


async def baseline(client: Client, queue: str) -> WorkflowHandle:
    """The no-op workflow, driven like a lifecycle: start, one signal, wait for the result."""
    token = uuid.uuid4().hex
    handle = await client.start_workflow(NoopWorkflow.run, token, id=f"bench-noop-{token}", task_queue=queue)
    await handle.signal(NoopWorkflow.release)
    if await handle.result() != token:
        raise LifecycleError("the baseline workflow returned something else")
    return handle
