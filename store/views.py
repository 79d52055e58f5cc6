"""What the store hands out: small frozen values, never ORM rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, TypeVar

from domain.contact import Channel, ContactPoint, Outcome, Rule
from domain.contact_messages import AttemptStatus
from domain.negotiation_messages import InstallmentStatus, OfferKind
from domain.plan_messages import PlanStatus, PromiseStatus
from domain.stages import Stage

View = TypeVar("View")
T = TypeVar("T")


@dataclass(frozen=True)
class UpsertResult:
    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class AccountView:
    account_id: str
    creditor: str
    debtor_name: str
    street: str
    city: str
    state: str
    postal_code: str
    timezone: str | None
    balance_cents: int
    original_balance_cents: int
    currency: str
    due_date: date
    segment: str
    medical: bool
    stage: Stage | None
    stage_changed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    payments_count: int
    language: str
    cease_communication_at: datetime | None
    forgiven_cents: int = 0
    """Written off by settlements."""
    written_off_cents: int = 0
    """Written off as uncollectable."""
    itemization_date: date | None = None
    """The validation notice's itemization date as loaded; None: the due date is (channels/letters.py)."""


@dataclass(frozen=True)
class ContactPointView:
    contact_point_id: int
    account_id: str
    kind: str
    value: str
    timezone: str | None
    consent_autodialer: bool
    consent_sms: bool
    opted_out: bool
    opted_out_at: datetime | None
    opted_out_channels: list[str]
    role: str
    label: str | None
    bad: bool
    bad_at: datetime | None
    bad_reason: str | None = None
    source: str | None = None
    consent_sms_at: datetime | None = None
    consent_sms_from: str | None = None
    consent_autodialer_at: datetime | None = None
    consent_autodialer_from: str | None = None
    retired_at: datetime | None = None
    retired_by: str | None = None
    retired_reason: str | None = None
    replaced_by: int | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class ContactSnapshotView:
    """What the cadence and the compliance gate need of an account: ids, flags and zones, no values."""

    account_id: str
    points: list[ContactPoint]
    cease_communication: bool
    attorney_point_ids: list[int]
    language: str
    medical: bool
    attorney_allows_direct_contact: bool = False
    jurisdictions: list[str] = field(default_factory=list)
    """Where the debtor is, for the rule packs (domain.rule_packs)."""


@dataclass(frozen=True)
class AttemptView:
    account_id: str
    attempt_no: int
    channel: Channel
    contact_point_id: int | None
    status: AttemptStatus
    rule: Rule | None
    outcome: Outcome | None
    at: datetime
    local_at: str
    template: str | None
    validation_notice: bool
    inbound: bool = False
    """A contact the consumer started (status 'received'): never counted as an attempt."""
    consent_to_calls: bool = False
    placed_by: str | None = None
    """A call a collector placed by hand from the desk: who (its outcome was recorded with it)."""


@dataclass(frozen=True)
class AttemptBegun:
    """`created` is False when the attempt already existed (and `attempt` is that one, unchanged)."""

    created: bool
    attempt: AttemptView


@dataclass(frozen=True)
class OutboxView:
    outbox_id: int
    attempt_key: str
    account_id: str
    channel: Channel
    contact_point_id: int
    recipient: str
    subject: str | None
    body: str
    created_at: datetime
    exported_at: datetime | None
    export_batch: str | None
    """The batch's name before numbered batches."""
    export_batch_no: int | None = None
    letter: dict[str, Any] | None = None
    """A letter's printed facts (channels/letters.py); None for other channels and older letters."""


@dataclass(frozen=True)
class PaymentOutcome:
    applied: bool
    balance_cents: int
    payment_id: int


@dataclass(frozen=True)
class PaymentView:
    payment_id: int
    account_id: str
    reference: str
    amount_cents: int
    received_on: date
    source: str
    balance_after_cents: int
    recorded_at: datetime
    placement_no: int | None = None
    """The agency placement that earned commission on this payment, if any."""
    commission_cents: int = 0


@dataclass(frozen=True)
class AuditEntryView:
    entry_id: int
    account_id: str
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]
    idempotency_key: str | None


@dataclass(frozen=True)
class InstallmentView:
    number: int
    due_date: date
    amount_cents: int
    paid_cents: int
    status: InstallmentStatus
    updated_at: datetime


@dataclass(frozen=True)
class PlanView:
    plan_id: int
    account_id: str
    plan_no: int
    kind: OfferKind
    total_cents: int
    discount_cents: int
    status: PlanStatus
    proposed_by: str
    approved_by: str | None
    approver_role: str | None
    created_at: datetime
    ended_at: datetime | None
    installments: list[InstallmentView]
    """By number."""


@dataclass(frozen=True)
class PromiseView:
    account_id: str
    promise_no: int
    amount_cents: int
    due_date: date
    status: PromiseStatus
    made_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class PlacementView:
    placement_id: int
    account_id: str
    placement_no: int
    agency_id: str
    placed_at: datetime
    balance_placed_cents: int
    commission_bps: int
    status: str
    """'placed', 'recalled' or 'closed'."""
    recalled_at: datetime | None
    recall_reason: str | None
    exported_at: datetime | None
    collected_cents: int
    commission_cents: int


@dataclass(frozen=True)
class PlacementExportRow:
    """One line of an agency's placement file."""

    account_id: str
    placement_no: int
    agency_id: str
    creditor: str
    debtor_name: str
    street: str
    city: str
    state: str
    postal_code: str
    phone: str | None
    email: str | None
    balance_placed_cents: int
    currency: str
    due_date: date
    placed_at: datetime
    commission_bps: int


@dataclass(frozen=True)
class HoldView:
    hold_id: int
    account_id: str
    reference: str
    kind: str
    """'bankruptcy', 'deceased', 'dispute' or 'legal'."""
    detail: dict[str, str] = field(repr=False)
    """May name a representative, so it stays out of the repr (and logs)."""
    placed_at: datetime
    released_at: datetime | None
    outcome: str | None


@dataclass(frozen=True)
class ClaimView:
    claim_id: int
    account_id: str
    hold_reference: str
    kind: str
    """'proof_of_claim' or 'estate_claim'."""
    amount_cents: int
    deadline: date
    filed_at: datetime


@dataclass(frozen=True)
class NoteView:
    note_id: int
    account_id: str
    at: datetime
    author: str
    text: str = field(repr=False)
    """Free text: it may name people, so it stays out of the repr (and logs)."""
    remind_on: date | None
    reminder_done_at: datetime | None = None
    reminder_done_by: str | None = None


@dataclass(frozen=True)
class AccountClaimView:
    """An account taken from the work queue: by whom, since and until when (kept after it ends)."""

    account_id: str
    collector: str
    claimed_at: datetime
    expires_at: datetime

    def held_at(self, now: datetime) -> bool:
        return self.expires_at > now


def view_of(view: type[View], row: object, **computed: Any) -> View:
    """A view from the row's attributes of the same names, plus the fields the caller computed."""
    names = [field.name for field in fields(view)]  # type: ignore[arg-type]
    return view(**{name: computed[name] if name in computed else getattr(row, name) for name in names})


def in_chunks(items: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    """`items` in slices small enough for one `IN (...)` on every backend."""
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True)
class ExportBatchView:
    number: int
    kind: str
    """'outbox' or 'placements'."""
    scope: str
    """The outbox's channel, or the agency."""
    created_at: datetime
    created_by: str
    row_count: int
    file: str | None
    written_at: datetime | None
    sha256: str | None
