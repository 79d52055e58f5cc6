"""Custom search attributes: what supervisors list and filter accounts by. Never personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("CollectionsStage")
BALANCE_CENTS = SearchAttributeKey.for_int("BalanceCents")
DUE_DATE = SearchAttributeKey.for_datetime("DueDate")
HOLD_KIND = SearchAttributeKey.for_keyword("HoldKind")
SEGMENT = SearchAttributeKey.for_keyword("Segment")
NEEDS_ATTENTION = SearchAttributeKey.for_keyword_list("NeedsAttention")
"""Why a person is needed now (domain.attention): approval, offer, verification, probate; unset when none."""

ALL_KEYS = (STAGE, BALANCE_CENTS, DUE_DATE, HOLD_KIND, SEGMENT, NEEDS_ATTENTION)
