"""Every recorded history replays against the current workflow code: a change that would break running accounts
fails here, naming the history. No server: the Replayer runs the workflow against the file alone.

The library (tests/histories/, `python -m tests.histories.record`) holds one history per scenario recorded
with the current code, and in before-attention/ histories recorded by the code before the NeedsAttention
publisher, the worked example of a change guarded by `workflow.patched` (workflows/account.py,
ATTENTION_PATCH): runs recorded before it take the old branch, later ones the new, and without the guard the
old histories no longer replay.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from domain import workflow_contract as sa
from tests.histories import LIBRARY, history_files, personal_data_in
from tests.histories.record import SCENARIOS, file_names
from tests.replay.variants import AttentionPatchDeprecated, WithoutAttentionGuard
from workflows import workflow_runner
from workflows.account import ATTENTION_PATCH, AccountCollectionsWorkflow

BEFORE_ATTENTION = LIBRARY / "before-attention"
CURRENT = Replayer(workflows=[AccountCollectionsWorkflow], workflow_runner=workflow_runner())
WITHOUT_GUARD = Replayer(workflows=[WithoutAttentionGuard], workflow_runner=workflow_runner())
DEPRECATED = Replayer(workflows=[AttentionPatchDeprecated], workflow_runner=workflow_runner())


def name_of(path: Path) -> str:
    return str(path.relative_to(LIBRARY))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())


def patches_in(history: WorkflowHistory) -> list[str]:
    """The patch ids the history's runs recorded a marker for (the runs that took a patch's new branch)."""
    found = []
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and marker.marker_name == "core_patch":
            found.append(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return found


def attention_upserts(history: WorkflowHistory) -> int:
    upserts = [
        event.upsert_workflow_search_attributes_event_attributes.search_attributes
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    ]
    return sum(sa.NEEDS_ATTENTION.name in upserted.indexed_fields for upserted in upserts)


@pytest.mark.parametrize("path", history_files(), ids=name_of)
async def test_every_recorded_history_replays_against_the_current_workflow(path: Path) -> None:
    try:
        await CURRENT.replay_workflow(load(path))
    except Exception as err:
        pytest.fail(f"{name_of(path)} does not replay against the current workflow code: {err}", pytrace=False)


def test_the_library_holds_every_scenario_the_recorder_knows_and_histories_from_before_the_change() -> None:
    recorded = {path.name for path in LIBRARY.glob("*.json")}
    missing = [name for name in SCENARIOS if not {f"{name}.json", f"{name}.run-1.json"} & recorded]
    assert missing == [], f"record them: .venv/bin/python -m tests.histories.record {' '.join(missing)}"
    assert set(file_names("continue-as-new", 2)) <= recorded, "a continued chain: every run of it"
    assert len(history_files(BEFORE_ATTENTION)) >= 5


@pytest.mark.parametrize("path", history_files(), ids=name_of)
def test_no_history_carries_the_debtors_personal_data(path: Path) -> None:
    assert personal_data_in(path.read_text()) == [], name_of(path)


def test_histories_from_before_the_change_take_the_old_branch_and_later_ones_the_new() -> None:
    """The patch marker is the branch a run took: none before the change (no publisher), one in every run since."""
    for path in history_files(BEFORE_ATTENTION):
        history = load(path)
        assert (patches_in(history), attention_upserts(history)) == ([], 0), name_of(path)
    current = [load(path) for path in LIBRARY.glob("*.json")]
    assert all(patches_in(history) == [ATTENTION_PATCH] for history in current)
    assert sum(attention_upserts(history) > 0 for history in current) >= 4, "the new branch publishes"


async def nondeterministic(replayer: Replayer, paths: list[Path]) -> list[str]:
    """The histories `replayer` fails with a nondeterminism error; any other failure fails the test."""
    failed = []
    for path in paths:
        try:
            await replayer.replay_workflow(load(path))
        except NondeterminismError:
            failed.append(name_of(path))
    return failed


def publishing_now(paths: list[Path]) -> list[str]:
    """The old histories whose scenario, recorded with the current code, publishes NeedsAttention."""
    return [name_of(path) for path in paths if attention_upserts(load(LIBRARY / path.name))]


async def test_without_the_guard_a_history_recorded_before_the_change_no_longer_replays() -> None:
    """The publisher's upsert is a command the old run never recorded: every old history whose scenario has
    something to publish fails (a scenario with nothing to publish cannot tell, hence one per stage and hold)."""
    old = history_files(BEFORE_ATTENTION)
    failed = await nondeterministic(WITHOUT_GUARD, old)
    assert "before-attention/dispute-verified.json" in failed
    assert failed == publishing_now(old)


async def test_deleting_the_guard_instead_of_deprecating_it_breaks_every_run_recorded_since() -> None:
    current = sorted(LIBRARY.glob("*.json"))
    assert await nondeterministic(WITHOUT_GUARD, current) == [name_of(path) for path in current]


async def test_deprecating_the_patch_keeps_the_runs_recorded_since_and_only_those() -> None:
    """The cleanup path: deprecate_patch replays every run that recorded the patch marker; it is deployed once
    no run from before the patch is still running (their histories, before-attention/, are retired then)."""
    assert await nondeterministic(DEPRECATED, sorted(LIBRARY.glob("*.json"))) == []
    old = history_files(BEFORE_ATTENTION)
    assert await nondeterministic(DEPRECATED, old) == publishing_now(old)
