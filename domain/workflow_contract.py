"""The account workflow as its clients see it: type name, workflow id, handler names, search attributes.

ops/ (and so the CLI and the web service) talks to the workflow through these names and the domain/
dataclasses, never by importing workflows/ (which pulls in every activity). tests/unit/test_workflow_contract.py
checks that the workflow registers exactly these names. temporalio.common is a passed-through value module.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

WORKFLOW_TYPE = "AccountCollectionsWorkflow"
STATUS_QUERY = "status"
NEXT_CALL_QUERY = "next_call"
"""The gate's answer for a call placed by hand (domain.call_gate): the desk asks before dialling."""
PROPOSE_PLAN_UPDATE = "propose_plan"
DECIDE_APPROVAL_UPDATE = "decide_approval"
CHARGE_SIGNAL = "post_charge"
"""domain.creditor_messages.ChargeInput: the creditor's new charge."""
CREDIT_SIGNAL = "post_credit"
"""domain.creditor_messages.CreditInput: the creditor's credit (insurance, contractual allowance, adjustment)."""
CREDITOR_RECALL_SIGNAL = "creditor_recall"
"""domain.creditor_messages.CreditorRecallInput: the creditor takes the account back (it ends `recalled`)."""
CREDITOR_SIGNALS = (CHARGE_SIGNAL, CREDIT_SIGNAL, CREDITOR_RECALL_SIGNAL)


def workflow_id_for(account_id: str) -> str:
    return f"account-{account_id}"


STAGE = SearchAttributeKey.for_keyword("CollectionsStage")
BALANCE_CENTS = SearchAttributeKey.for_int("BalanceCents")
DUE_DATE = SearchAttributeKey.for_datetime("DueDate")
HOLD_KIND = SearchAttributeKey.for_keyword("HoldKind")
SEGMENT = SearchAttributeKey.for_keyword("Segment")
NEEDS_ATTENTION = SearchAttributeKey.for_keyword_list("NeedsAttention")
"""Why a person is needed now (domain.attention): approval, offer, verification, probate; unset when none."""

ALL_KEYS = (STAGE, BALANCE_CENTS, DUE_DATE, HOLD_KIND, SEGMENT, NEEDS_ATTENTION)
"""Custom search attributes: what supervisors list and filter accounts by. Never personal data."""
