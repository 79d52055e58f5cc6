"""Messages between the account workflow and the negotiation activities: one dataclass each.

Standard library only (the workflow sandbox imports it). Money in integer cents, dates as ISO
strings; no personal data: who proposed or approved a plan travels as a role or staff id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.negotiation_messages import Installment, Offer, OfferKind


class PlanStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


def plan_key(account_id: str, plan_no: int) -> str:
    """The idempotency key of a plan: its row and its `plan.created` audit entry."""
    return f"plan:{account_id}:{plan_no}"


def promise_key(account_id: str, promise_no: int) -> str:
    """The idempotency key of a promise to pay: its `promise.made` audit entry."""
    return f"promise:{account_id}:{promise_no}"


@dataclass
class CreatePlanInput:
    account_id: str
    plan_no: int
    """Per account, from 1: a repeat of a number returns the plan recorded under it, unchanged."""
    offer: Offer
    proposed_by: str
    approved_by: str | None = None
    approver_role: str | None = None
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class PlanRecord:
    """A plan as the store holds it (what `create_plan` returns, the first time and every time)."""

    account_id: str
    plan_no: int
    kind: OfferKind
    total_cents: int
    discount_cents: int
    status: PlanStatus
    installments: list[Installment] = field(default_factory=list)


@dataclass
class RecordInstallmentsInput:
    account_id: str
    plan_no: int
    installments: list[Installment]
    """Paid amounts and statuses as the workflow sees them; numbers must exist on the plan."""
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class EndPlanInput:
    account_id: str
    plan_no: int
    status: str
    """'completed', 'broken' or 'cancelled' (a PlanStatus value)."""
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class SettleAccountInput:
    account_id: str
    plan_no: int
    forgiven_cents: int
    """Written off the balance once (never more than the balance): the settlement's discount."""
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class RecordPromiseInput:
    account_id: str
    promise_no: int
    amount_cents: int
    due_date: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class ResolvePromiseInput:
    account_id: str
    promise_no: int
    status: str
    """'kept' or 'broken' (a PromiseStatus value)."""
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records
