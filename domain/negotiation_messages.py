"""Negotiation vocabulary shared by the policy, the workflow, the activities and the CLI.

Money in integer cents, dates as ISO strings (they travel through Temporal as JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class OfferKind(StrEnum):
    PAY_IN_FULL = "pay_in_full"
    INSTALLMENTS = "installments"
    SETTLEMENT = "settlement"


class ProposalDecision(StrEnum):
    ACCEPTED = "accepted"
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"


class InstallmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    PAID = "paid"
    MISSED = "missed"


@dataclass
class Installment:
    number: int
    due_date: str
    amount_cents: int
    paid_cents: int = 0
    status: InstallmentStatus = InstallmentStatus.SCHEDULED


@dataclass
class Offer:
    """What the account qualifies for, or what a debtor proposed: the schedule is exact to the cent."""

    kind: OfferKind
    total_cents: int
    """What the debtor pays in all (the balance, or less for a settlement)."""
    discount_cents: int
    installments: list[Installment] = field(default_factory=list)

    @property
    def discount_basis_points(self) -> int:
        whole = self.total_cents + self.discount_cents
        return 0 if whole == 0 else (self.discount_cents * 10_000 + whole - 1) // whole


@dataclass
class PlanProposal:
    """A counter-offer from the debtor or the representative: installments, or a lump-sum settlement."""

    installments: int | None = None
    first_payment_on: str | None = None
    settle_cents: int | None = None
    proposed_by: str = "debtor"


@dataclass
class ProposalAnswer:
    decision: ProposalDecision
    reason: str
    offer: Offer | None = None
    required_role: str | None = None


@dataclass
class ApprovalInput:
    approver: str
    role: str
    approve: bool = True
    note: str = ""


@dataclass
class PromiseInput:
    amount_cents: int
    due_date: str


@dataclass
class Promise:
    amount_cents: int
    due_date: str
    made_at: datetime
    collected_at_promise_cents: int
    """What the account had collected when the promise was made: later payments count toward it."""
    status: str = "open"


@dataclass
class PendingApproval:
    offer: Offer
    proposal: PlanProposal
    required_role: str
    requested_at: datetime
    expires_at: datetime


@dataclass
class ActivePlan:
    plan_no: int
    offer: Offer
    proposed_by: str
    approved_by: str | None = None
    reminded: list[int] = field(default_factory=list)
    """Installment numbers already reminded (once each)."""


@dataclass
class NegotiationState:
    """The negotiation part of an account's workflow state (carried across continue-as-new)."""

    plan: ActivePlan | None = None
    plans_made: int = 0
    pending: PendingApproval | None = None
    renegotiations_used: int = 0
    promises: list[Promise] = field(default_factory=list)
    promises_made: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    installments_missed: int = 0
    forgiven_cents: int = 0
    quiet_since: datetime | None = None
    """The last event of this negotiation; with nothing in play it stalls `stall_days` later."""
    completed_plan: ActivePlan | None = None
    """The plan whose last payment closed the account: open again if that payment is reversed."""
