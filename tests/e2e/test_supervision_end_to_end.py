"""The supervisor's surfaces as processes: the work queue, one account's picture, notes and the audit pack."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import RECENTLY_DUE, Operator, wait_until
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

pytestmark = pytest.mark.e2e


def row(account_id: str, balance: str) -> str:
    return (
        f"{account_id},Lee Queue,(212) 555-0177,lee@example.com,7 Main St,New York,NY,10001,"
        f"America/New_York,{balance},{RECENTLY_DUE},Northwind,false,card"
    )


def as_json(operator: Operator, *args: str) -> Any:
    done = operator(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def queue_row(operator: Operator, account_id: str, reason: str) -> dict[str, Any] | None:
    rows = {r["account_id"]: r for r in as_json(operator, "queue")}
    found = rows.get(account_id)
    return found if found is not None and reason in found["reasons"] else None


def one_line_refusal(operator: Operator, *args: str, says: str) -> None:
    done = operator(*args)
    assert done.returncode == 1 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_queue_show_notes_and_the_audit_pack(engine_processes, tmp_path: Path) -> None:
    operator, _ = engine_processes
    operator = operator.acting_as("sup-kim", "supervisor")
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), row("Q1", "300.00"), row("Q2", "120.00")]) + "\n")
    assert operator("load", str(portfolio)).returncode == 0
    assert operator("start", "--account", "Q1", "--account", "Q2").returncode == 0
    wait_until(lambda: operator.status("Q1")["attempts_count"] >= 1, what="Q1's validation notice")

    assert operator("event", "dispute", "Q1", "--reason", "not mine").returncode == 0
    today = datetime.now(UTC).date()
    one_line_refusal(operator, "note", "NOPE", "hello", says="unknown account NOPE")
    one_line_refusal(operator, "note", "Q2", "   ", says="a note needs text")
    one_line_refusal(operator, "note", "Q2", "x", "--remind-on", "someday", says="--remind-on must be an ISO date")
    yesterday = (today - timedelta(days=1)).isoformat()
    one_line_refusal(operator, "note", "Q2", "x", "--remind-on", yesterday, says="is in the past")
    added = as_json(operator, "note", "Q2", "call back after payday", "--remind-on", today.isoformat())
    assert (added["author"], added["remind_on"]) == ("sup-kim", today.isoformat())

    disputed = wait_until(lambda: queue_row(operator, "Q1", "verification"), what="Q1 in the queue")
    reminded = queue_row(operator, "Q2", "reminder")
    assert disputed["reasons"] == ["verification"] and disputed["hold"] == "dispute"
    assert (disputed["stage"], disputed["balance_cents"]) == ("on_hold", 30_000)
    assert reminded is not None and reminded["reminders"] == ["call back after payday"]
    assert reminded["days_past_due"] == (today - date.fromisoformat(RECENTLY_DUE)).days
    only_disputes = [r["account_id"] for r in as_json(operator, "queue", "--hold", "dispute")]
    assert only_disputes == ["Q1"]
    assert [r["account_id"] for r in as_json(operator, "queue", "--min-balance", "200.00")] == ["Q1"]

    picture = as_json(operator, "show", "Q1")
    assert [(h["kind"], h["released_at"]) for h in picture["holds"]] == [("dispute", None)]
    assert picture["status"]["stage"] == "on_hold"
    assert {p["value"] for p in picture["contact_points"]} >= {"lee@example.com"}, "nothing masked"
    timeline = [line["what"] for line in picture["timeline"]]
    assert timeline[0] == "workflow started"
    assert "stage none -> contacting (workflow started)" in timeline
    assert "signal place_hold" in timeline and "needs attention: verification" in timeline
    assert any(line.startswith("stage contacting -> on_hold") for line in timeline)
    assert as_json(operator, "show", "Q2")["notes"][0]["text"] == "call back after payday"
    one_line_refusal(operator, "show", "NOPE", says="unknown account NOPE")

    pack = tmp_path / "pack"
    done = operator("audit", "Q1", "--out", str(pack))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((pack / "manifest.json").read_text())
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert manifest["account_id"] == "Q1"
    assert {"history.json", "audit_log.csv", "audit_log.json", "messages/0001-letter.txt"} <= set(listed)
    for path, digest in listed.items():
        assert hashlib.sha256((pack / path).read_bytes()).hexdigest() == digest, path
    assert "Lee Queue" in (pack / "messages/0001-letter.txt").read_text(), "the letter as it was rendered"
    audit_actions = [entry["action"] for entry in json.loads((pack / "audit_log.json").read_text())]
    assert "hold.placed" in audit_actions
    history = json.loads((pack / "history.json").read_text())
    assert [run["run_id"] for run in history["runs"]] == manifest["runs"] and len(history["runs"]) == 1
    replayer = Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner())
    for run in history["runs"]:
        asyncio.run(replayer.replay_workflow(WorkflowHistory.from_json(history["workflow_id"], run["history"])))
    one_line_refusal(operator, "audit", "Q1", "--out", str(pack), says="not an empty directory")
    one_line_refusal(operator, "audit", "NOPE", "--out", str(tmp_path / "other"), says="unknown account NOPE")
