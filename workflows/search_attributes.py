"""Custom search attributes: what supervisors list and filter accounts by. Never personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("CollectionsStage")
BALANCE_CENTS = SearchAttributeKey.for_int("BalanceCents")
DUE_DATE = SearchAttributeKey.for_datetime("DueDate")
HOLD_KIND = SearchAttributeKey.for_keyword("HoldKind")
SEGMENT = SearchAttributeKey.for_keyword("Segment")

ALL_KEYS = (STAGE, BALANCE_CENTS, DUE_DATE, HOLD_KIND, SEGMENT)
