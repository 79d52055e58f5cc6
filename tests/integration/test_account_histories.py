"""Every run of an account's workflow, on the dev server: the continue-as-new chain is found whole, each run
replays from its JSON (as the audit pack writes it), and the timeline reads across runs."""

from __future__ import annotations

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.messages import PaymentInput
from ops.account_view import run_histories, timeline
from tests.conftest import running_worker
from tests.integration.test_continue_as_new import start_continuing
from tests.support.accounts import eventually
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow


async def test_every_run_of_a_continued_workflow_is_found_and_replays(local_env, sessions) -> None:
    async with running_worker(local_env.client, sessions) as queue:
        handle = await start_continuing(local_env.client, queue, sessions, 1_000)

        async def generation() -> int:
            return (await handle.query(AccountCollectionsWorkflow.status)).generation

        async def payments() -> int:
            return (await handle.query(AccountCollectionsWorkflow.status)).payments_count

        for number in range(1, 7):  # each payment, applied before the next, adds about eight events: past 30
            await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(100, f"P-{number}", "2026-01-01"))
            await eventually(payments, lambda found, n=number: found == n, what=f"payment {number}")

        await eventually(generation, lambda found: found >= 2, what="continue-as-new")
        await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(400, "LAST", "2026-01-02"))
        await handle.result()
        histories = await run_histories(local_env.client, handle.id)
        lines = await timeline(histories, local_env.client.data_converter)

    assert len(histories) >= 2
    assert histories[0].run_id == handle.first_execution_run_id
    replayer = Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner())
    for history in histories:
        await replayer.replay_workflow(WorkflowHistory.from_json(history.workflow_id, history.to_json()))
    what = [line["what"] for line in lines]
    assert what[0] == "workflow started" and what[-1] == "workflow completed"
    assert what.count("continued as new (history kept bounded)") == len(histories) - 1
    assert what.count("signal payment") == 7
    assert "stage contacting -> paid (account closed)" in what
    assert await run_histories(local_env.client, "account-never-started") == []
