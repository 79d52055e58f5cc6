"""Messages in and out of the account workflow and its activities: one dataclass each.

No personal data travels here: the workflow carries ids, money and dates; names, phones and
addresses stay in the account store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.cadence import ContactProgress
from domain.contact import Outcome
from domain.contact_messages import ContactPreference, ContactSnapshot
from domain.negotiation_messages import NegotiationState, PendingApproval
from domain.plan_messages import RecordInstallmentsInput
from domain.referral_messages import ReferralState
from domain.stages import Stage
from domain.strategy import ContactPlan


class HoldKind(StrEnum):
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    DISPUTE = "dispute"
    LEGAL = "legal"


class HoldOutcome(StrEnum):
    """What ending a hold does to the account."""

    RESUME = "resume"
    """Collection resumes where it stopped (a bankruptcy dismissed, a hold lifted)."""
    CLOSE = "close"
    WRITE_OFF = "write_off"
    """The balance is written off (an estate closed without paying)."""
    DISCHARGE = "discharge"
    """A bankruptcy discharge: the balance is written off, the account ends `discharged`."""
    VERIFIED = "verified"
    """A dispute answered: the verification letter goes out, then collection resumes."""
    UPHELD = "upheld"
    """A dispute the debtor won: the disputed amount comes off; nothing left closes the account."""


@dataclass
class Hold:
    reference: str
    kind: HoldKind
    reason: str
    placed_at: datetime
    detail: dict[str, str] = field(default_factory=dict)


@dataclass
class AccountState:
    """Everything the workflow knows; handed to continue-as-new as is."""

    account_id: str
    balance_cents: int
    currency: str
    due_date: str
    segment: str
    opened_at: datetime
    stage: Stage = Stage.CONTACTING
    resume_stage: Stage = Stage.CONTACTING
    outcome: Stage | None = None
    holds: list[Hold] = field(default_factory=list)
    recent_payment_references: list[str] = field(default_factory=list)
    payments_count: int = 0
    collected_cents: int = 0
    attempts_count: int = 0
    stage_changes: int = 0
    next_action: str | None = None
    next_action_at: datetime | None = None
    generation: int = 1
    plan: ContactPlan | None = None
    contact: ContactProgress = field(default_factory=ContactProgress)
    contacts: ContactSnapshot | None = None
    negotiation: NegotiationState = field(default_factory=NegotiationState)
    referral: ReferralState = field(default_factory=ReferralState)


@dataclass
class AccountSnapshot:
    """What the workflow needs from the store to begin; the starter reads it, or the workflow loads it."""

    account_id: str
    balance_cents: int
    currency: str
    due_date: str
    segment: str


@dataclass
class AccountWorkflowInput:
    account_id: str
    state: AccountState | None = None
    max_history_events: int = 10_000
    snapshot: AccountSnapshot | None = None
    plan: ContactPlan | None = None


@dataclass
class AccountWorkflowResult:
    account_id: str
    stage: Stage
    balance_cents: int
    collected_cents: int


@dataclass
class PaymentInput:
    amount_cents: int
    reference: str
    received_on: str
    source: str = "debtor"


@dataclass
class HoldInput:
    reference: str
    kind: HoldKind
    reason: str = ""
    detail: dict[str, str] = field(default_factory=dict)
    """bankruptcy: chapter, case_number, court, filed_on; deceased: date_of_death; dispute: disputed_cents."""


@dataclass
class HoldReleaseInput:
    reference: str = ""
    outcome: HoldOutcome = HoldOutcome.RESUME
    kind: HoldKind | None = None
    """Without a reference: the latest hold of this kind (`event bankruptcy-dismissed ID`)."""


@dataclass
class ProbateInput:
    """The estate's personal representative: the only person who may be contacted from now on."""

    representative: str
    claims_deadline: str
    email: str | None = None
    phone: str | None = None


@dataclass
class ContactOutcomeInput:
    attempt_no: int
    outcome: Outcome


@dataclass
class ContactPreferenceChange:
    """A debtor's request about contact, effective at once (point ids only, no personal data)."""

    kind: ContactPreference
    point_id: int | None = None
    channel: str | None = None


@dataclass
class AccountStatus:
    account_id: str
    stage: Stage
    balance_cents: int
    currency: str
    days_past_due: int
    hold: str | None
    holds: list[str]
    resume_stage: Stage | None
    next_action: str | None
    next_action_at: datetime | None
    attempts_count: int
    payments_count: int
    collected_cents: int
    generation: int
    strategy: str | None = None
    validation_period_end: str | None = None
    plan: str | None = None
    next_installment_due: str | None = None
    next_installment_cents: int | None = None
    installments_missed: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    pending_approval: str | None = None
    pending_proposal: PendingApproval | None = None
    """The proposal waiting for approval as the workflow holds it: the offer, who stands behind it, the role
    that may approve it, when it expires (the desk's approval queue shows it)."""
    forgiven_cents: int = 0
    placement: str | None = None
    placements_made: int = 0


@dataclass
class LoadAccountInput:
    account_id: str


@dataclass
class RecordPaymentInput:
    account_id: str
    reference: str
    amount_cents: int
    received_on: str
    source: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records
    installments: RecordInstallmentsInput | None = None
    """The plan's installments as the payment leaves them: recorded with it, in its transaction, if it is new."""


@dataclass
class PaymentRecorded:
    applied: bool
    balance_cents: int


@dataclass
class StageChangeInput:
    account_id: str
    from_stage: Stage | None
    to_stage: Stage
    sequence: int
    reason: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records
    closing_state: AccountState | None = None
    """Entering a closing stage: the machine's state, which the store keeps for a reversal to reopen it."""
    completed_plan_no: int | None = None
    """Entering a closing stage: the plan the closing payment completed, recorded completed with it."""
