"""One log line per activity execution (`ActivityOutcomes`, the worker's interceptor), checked against the
server's own history: the production worker (`build_worker`) runs an account to paid on the dev server,
its store locked for a moment so that one activity fails and is retried."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import defaultdict
from typing import Any

from structlog.testing import capture_logs
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from domain.messages import AccountWorkflowInput, PaymentInput
from domain.stages import Stage
from domain.workflow_contract import workflow_id_for
from ops.account_view import local_activity_type
from ops.strategies import load_strategy
from service.config import load_settings
from tests.support.accounts import add_account, eventually, snapshot_of
from worker_wiring import build_worker
from workflows.account import AccountCollectionsWorkflow

OUTCOMES = ("activity.completed", "activity.failed", "activity.cancelled")
TRACED = ("account_id", "workflow_id", "run_id", "activity", "activity_id", "attempt")


async def executions(handle: WorkflowHandle) -> dict[tuple[str, str], int]:
    """Every activity the run executed, by (type, id): its last attempt, from the history. A regular activity
    by its started events; a local activity (the store's) by its marker, which records its last attempt."""
    scheduled: dict[int, tuple[str, str]] = {}
    last: dict[tuple[str, str], int] = {}
    async for history_event in handle.fetch_history_events():
        if history_event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = history_event.activity_task_scheduled_event_attributes
            scheduled[history_event.event_id] = (attributes.activity_type.name, attributes.activity_id)
        elif history_event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attributes = history_event.activity_task_started_event_attributes
            last[scheduled[attributes.scheduled_event_id]] = attributes.attempt
        elif (activity_type := local_activity_type(history_event)) is not None:
            data = json.loads(history_event.marker_recorded_event_attributes.details["data"].payloads[0].data)
            last[(activity_type, str(data["activity_id"]))] = int(data["attempt"])
    return last


def lines_of(logs: list[dict[str, Any]], event_name: str, activity: str) -> list[dict[str, Any]]:
    return [line for line in logs if line["event"] == event_name and line.get("activity") == activity]


async def test_each_activity_execution_logs_exactly_one_outcome_line(local_env, quick_sqlite) -> None:
    sessions, store_file = quick_sqlite
    url = f"sqlite+aiosqlite:///{store_file}"
    account_id = f"O{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, balance_cents=10_000)
    settings = load_settings(
        database_url=url, collections_task_queue=f"outcomes-{uuid.uuid4()}", graceful_shutdown_seconds=1
    )
    client = local_env.client
    with capture_logs() as logs:
        async with build_worker(client, settings, sessions):
            handle = await client.start_workflow(
                AccountCollectionsWorkflow.run,
                AccountWorkflowInput(
                    account_id,
                    snapshot=await snapshot_of(sessions, account_id),
                    plan=load_strategy("default").plan_for(segment="card", state="NY"),
                ),  # fmt: skip
                id=workflow_id_for(account_id),
                task_queue=settings.collections_task_queue,
            )

            async def quiet() -> bool:  # the letter sent, nothing running: neither on the server nor local
                pending = (await handle.describe()).raw_description.pending_activities
                running = len([line for line in logs if line["event"] in OUTCOMES]) < len(await executions(handle))
                return not pending and not running and bool(lines_of(logs, "activity.completed", "send_contact"))

            await eventually(quiet, bool, timeout=30, what="the first contact, then no activity running")
            lock = sqlite3.connect(store_file, isolation_level=None)
            try:
                lock.execute("BEGIN EXCLUSIVE")
                await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(10_000, "PAY-1", "2026-02-01"))

                async def payment_failures() -> list[dict[str, Any]]:
                    return lines_of(logs, "activity.failed", "record_payment")

                await eventually(payment_failures, bool, timeout=30, what="record_payment to fail on the lock")
            finally:
                lock.execute("ROLLBACK")
                lock.close()
            result = await handle.result()
    assert result.stage == Stage.PAID

    outcomes = [line for line in logs if line["event"] in OUTCOMES]
    for line in outcomes:
        assert {key: line[key] for key in ("account_id", "workflow_id", "run_id")} == {
            "account_id": account_id,
            "workflow_id": handle.id,
            "run_id": handle.result_run_id,
        }, line
        assert all(line.get(key) for key in TRACED), line
        assert isinstance(line["duration_ms"], int) and line["duration_ms"] >= 0, line

    by_execution: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for line in outcomes:
        by_execution[(line["activity"], line["activity_id"], line["attempt"])].append(line)
    assert all(len(lines) == 1 for lines in by_execution.values()), "one outcome line per execution"

    history = await executions(handle)
    assert {(activity, activity_id) for activity, activity_id, _ in by_execution} == set(history)
    for (activity_type, activity_id), last_attempt in history.items():
        lines = [by_execution[(activity_type, activity_id, attempt)][0] for attempt in range(1, last_attempt + 1)]
        assert [line["activity"] for line in lines] == [activity_type] * last_attempt
        assert [line["event"] for line in lines] == ["activity.failed"] * (last_attempt - 1) + ["activity.completed"]
        assert all(line["retrying"] for line in lines[:-1]), lines
        assert all(line["log_level"] == "info" for line in lines[-1:])

    [failed] = lines_of(logs, "activity.failed", "record_payment")
    assert {key: failed[key] for key in ("attempt", "error_type", "error", "retrying", "retry_in_seconds")} == {
        "attempt": 1,
        "error_type": "StoreUnavailable",
        "error": "store unavailable: OperationalError: database is locked",
        "retrying": True,
        "retry_in_seconds": 1.0,
    }
    assert failed["log_level"] == "warning" and "exc_info" not in failed
    [completed] = lines_of(logs, "activity.completed", "record_payment")
    assert completed["attempt"] == 2 and completed["activity_id"] == failed["activity_id"]
