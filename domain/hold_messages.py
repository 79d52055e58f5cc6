"""Inputs and results of the hold activities: the hold record, claims, write-offs, adjustments, letters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class HoldRecordInput:
    account_id: str
    reference: str
    kind: str
    event: str
    """'placed', 'updated' or 'released'."""
    detail: dict[str, str] = field(default_factory=dict)
    outcome: str | None = None
    at: datetime | None = None
    """When the workflow placed, updated or released the hold (its clock: simulated time in the simulator).
    Sent as ISO 8601 text, as it was when this field was a string."""


@dataclass
class FileClaimInput:
    account_id: str
    hold_reference: str
    kind: str
    amount_cents: int
    deadline: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class WriteOffInput:
    account_id: str
    reason: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class AdjustBalanceInput:
    account_id: str
    reference: str
    amount_cents: int
    reason: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class RepresentativeInput:
    account_id: str
    hold_reference: str
    name: str
    email: str | None
    phone: str | None
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records
