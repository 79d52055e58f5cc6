"""The names ops/ reaches the workflow by (domain/workflow_contract.py) are the ones the workflow registers."""

from __future__ import annotations

from temporalio.workflow import _Definition

from domain import workflow_contract as contract
from workflows import account, search_attributes


def test_the_workflow_answers_to_the_contracts_names() -> None:
    definition = _Definition.must_from_class(account.AccountCollectionsWorkflow)
    assert definition.name == contract.WORKFLOW_TYPE
    assert contract.STATUS_QUERY in definition.queries
    assert {contract.PROPOSE_PLAN_UPDATE, contract.DECIDE_APPROVAL_UPDATE} <= set(definition.updates)


def test_the_workflow_uses_the_contracts_id_and_search_attributes() -> None:
    """Until workflows/ imports them from domain/workflow_contract.py, its own copies must not drift."""
    assert account.workflow_id_for("A1") == contract.workflow_id_for("A1") == "account-A1"
    assert search_attributes.ALL_KEYS == contract.ALL_KEYS
