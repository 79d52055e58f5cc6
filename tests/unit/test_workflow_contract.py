"""The names ops/ reaches the workflow by (domain/workflow_contract.py) are the ones the workflow registers."""

from __future__ import annotations

import re
from pathlib import Path

from temporalio.workflow import _Definition

from domain import workflow_contract as contract
from workflows import account


def test_the_workflow_answers_to_the_contracts_names() -> None:
    definition = _Definition.must_from_class(account.AccountCollectionsWorkflow)
    assert definition.name == contract.WORKFLOW_TYPE
    assert contract.STATUS_QUERY in definition.queries
    assert {contract.PROPOSE_PLAN_UPDATE, contract.DECIDE_APPROVAL_UPDATE} <= set(definition.updates)
    assert set(contract.CREDITOR_SIGNALS) <= set(definition.signals)


def test_every_signal_ops_sends_is_one_the_workflow_takes() -> None:
    """ops/ signals by name (a string), so a renamed handler would drop events silently: the names must exist."""
    ops = Path(__file__).resolve().parents[2] / "ops"
    sent = {name for path in ops.glob("*.py") for name in re.findall(
        r'(?:_signal_with_start\(ctx, account|send_running\(ctx, account_id), "([a-z_]+)"', path.read_text()
    )}  # fmt: skip
    definition = _Definition.must_from_class(account.AccountCollectionsWorkflow)
    assert len(sent) >= 6 and sent <= set(definition.signals)
