"""Continue-as-new on the real dev server: the state and the payment references carry over.

(On the time-skipping test server this scenario sometimes fails its final workflow task with
"invalid history builder state for action" and hangs; the real server is what accounts run on.)
"""

from __future__ import annotations

import uuid

from temporalio.client import Client, WorkflowHandle

from domain.messages import AccountSnapshot, AccountStatus, AccountWorkflowInput, PaymentInput
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from tests.conftest import running_worker
from tests.support.accounts import RECENTLY_DUE, add_account, eventually
from workflows.account import AccountCollectionsWorkflow


async def start_continuing(client: Client, queue: str, sessions, balance_cents: int) -> WorkflowHandle:
    """An account whose workflow continues as new once its history passes 30 events."""
    account_id = f"C{uuid.uuid4().hex[:10]}"
    await add_account(sessions, account_id, balance_cents=balance_cents)
    snapshot = AccountSnapshot(account_id, balance_cents, "USD", RECENTLY_DUE.isoformat(), "card")
    return await client.start_workflow(
        AccountCollectionsWorkflow.run, AccountWorkflowInput(account_id, max_history_events=30, snapshot=snapshot),
        id=workflow_id_for(account_id), task_queue=queue,
    )  # fmt: skip


async def test_state_survives_continue_as_new_and_old_references_still_count_once(local_env, sessions) -> None:
    async with running_worker(local_env.client, sessions) as queue:
        handle = await start_continuing(local_env.client, queue, sessions, 30_000)

        async def status() -> AccountStatus:
            return await handle.query(AccountCollectionsWorkflow.status)

        for number in range(1, 7):  # each payment, applied before the next, adds about eight events: past 30
            await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(100, f"P-{number}", "2026-01-01"))
            await eventually(status, lambda s, n=number: s.payments_count == n)
        carried = await eventually(status, lambda s: s.payments_count == 6 and s.generation >= 2)
        assert (carried.balance_cents, carried.collected_cents) == (29_400, 600)

        await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(100, "P-1", "2026-01-01"))
        await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(29_400, "AFTER", "2026-01-02"))
        result = await handle.result()
    assert (result.stage, result.balance_cents, result.collected_cents) == (Stage.PAID, 0, 30_000)
    latest = await local_env.client.get_workflow_handle(handle.id).describe()
    assert latest.run_id != handle.first_execution_run_id
