"""The what-if engine's account store: the store activities the account machine calls, in memory.

Each method is named after its activity (activities/*.py), takes the same request and answers as the
activity does after its store call (store/*.py): idempotent by the same keys, the send-time re-check of the
gate's standing rules, the placement rule with its round robin. It keeps only what the machine reads back
and what a simulation reports; messages are not rendered (nothing is sent), audit entries are not kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from domain import cadence, referral
from domain.bounds import CEILING_CENTS
from domain.commands import Call, Refused
from domain.compliance import ContactRequest, standing_refusal
from domain.contact import CHANNEL_POINT_KIND, Channel, ContactPoint, Outcome, Rule
from domain.contact_messages import (
    AttemptStatus,
    ContactPreference,
    ContactPreferenceInput,
    ContactSnapshot,
    LoadContactSnapshotInput,
    RecordBlockedInput,
    RecordOutcomeInput,
    SendContactInput,
    SendContactResult,
)
from domain.hold_messages import AdjustBalanceInput, RepresentativeInput, WriteOffInput
from domain.inbound import RecordInboundInput
from domain.intake import AccountRecord
from domain.messages import PaymentRecorded, RecordPaymentInput, StageChangeInput
from domain.plan_messages import (
    CreatePlanInput,
    EndPlanInput,
    PlanRecord,
    RecordPromiseInput,
    ResolvePromiseInput,
    SettleAccountInput,
)
from domain.referral_messages import AccrueCommissionInput, PlaceAccountInput, PlacementResult, RecallPlacementInput
from domain.rule_packs import licence_lines
from domain.stages import Stage
from store.contacts import DEBTOR, REPRESENTATIVE, account_jurisdictions, point_zones

ATTORNEY_ROLES = ("attorney", REPRESENTATIVE)
NO_RESULT = ("record_hold", "file_claim", "record_installments")
"""Activities whose only effect is a record the machine never reads back (audit, claims, installments)."""


class StoreRefusal(Exception):
    """A business refusal of the store (what the real activity raises non-retryable)."""


@dataclass
class PointRow:
    """A contact point as store/contacts.py's pure functions read a ContactPointRow."""

    id: int
    kind: str
    value: str
    timezone: str | None = None
    role: str = DEBTOR
    label: str | None = None
    bad: bool = False
    opted_out: bool = False
    opted_out_channels: list[str] = field(default_factory=list)
    consent_autodialer: bool = False
    consent_sms: bool = False


@dataclass
class Attempt:
    channel: Channel
    status: AttemptStatus
    rule: Rule | None = None
    outcome: Outcome | None = None
    point_id: int | None = None


@dataclass
class StoredContacts:
    """An account's contact points and standing facts as a real store holds them (`simulate --from-store`)."""

    points: list[PointRow]
    cease: bool = False
    attorney_allows: bool = False


@dataclass
class Ledger:
    """One account's records: what an AccountRow and the rows that name it would hold."""

    record: AccountRecord
    points: list[PointRow]
    balance_cents: int
    stage: Stage | None = None
    cease: bool = False
    attorney_allows: bool = False
    attempts: dict[int, Attempt] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)
    promises: dict[int, str] = field(default_factory=dict)
    plans: dict[int, list[Any]] = field(default_factory=dict)
    """plan_no -> [kind, status]"""
    placements: dict[int, list[Any]] = field(default_factory=dict)
    """placement_no -> [agency_id, commission_bps, status]"""
    keys: set[str] = field(default_factory=set)
    """Idempotency keys of the one-time writes (settlement, write-off, adjustment)."""
    places: tuple[list[list[str]], list[str]] | None = None
    """Each point's zones and the account's jurisdictions, until a point changes (`changed`)."""

    def changed(self) -> None:
        self.places = None

    # what store.contacts reads of an AccountRow
    @property
    def state(self) -> str:
        return self.record.state

    @property
    def city(self) -> str:
        return self.record.city

    @property
    def postal_code(self) -> str:
        return self.record.postal_code

    @property
    def timezone(self) -> str | None:
        return self.record.timezone


class FastStore:
    """The store of a what-if run. `placed_counts` spans the run (the round robin is over every account)."""

    def __init__(self, licences: Mapping[str, str] | None = None) -> None:
        self.licences: Mapping[str, str] = dict(licences or {})
        self.placed_counts: Counter[str] = Counter()
        self._point_ids = 0

    def open(self, record: AccountRecord, stored: StoredContacts | None = None) -> Ledger:
        """The account as `load` stores it: its phone, email and postal address as contact points; with
        `stored`, the points and standing facts a real store holds (renumbered: ids are this run's)."""
        if stored is not None:
            points = [replace(point, id=self._next_id()) for point in stored.points]
            return Ledger(record, points, record.balance_cents, cease=stored.cease,
                          attorney_allows=stored.attorney_allows)  # fmt: skip
        address = f"{record.street}, {record.city}, {record.state} {record.postal_code}"
        wanted = [("phone", record.phone, record.timezone), ("email", record.email, None), ("address", address, None)]
        points = [
            self._point(kind, value, timezone, sms=kind == "phone" and record.sms_consent,
                        autodialer=kind == "phone" and record.autodialer_consent)
            for kind, value, timezone in wanted if value
        ]  # fmt: skip
        return Ledger(record, points, record.balance_cents)

    def _point(self, kind: str, value: str, timezone: str | None, *, sms: bool, autodialer: bool) -> PointRow:
        return PointRow(self._next_id(), kind, value, timezone, consent_sms=sms, consent_autodialer=autodialer)

    def _next_id(self) -> int:
        self._point_ids += 1
        return self._point_ids

    def perform(self, ledger: Ledger, command: Call) -> Any:
        """The activity's answer; a refusal as `Refused` when the call is refusable, else raised."""
        if command.activity in NO_RESULT:
            return None
        try:
            return getattr(self, command.activity)(ledger, command.request)
        except StoreRefusal as err:
            if command.refusable:
                return Refused(type(err).__name__, str(err))
            raise

    # ---- accounts and payments ----

    def record_stage_change(self, ledger: Ledger, request: StageChangeInput) -> None:
        ledger.stage = request.to_stage

    def record_payment(self, ledger: Ledger, request: RecordPaymentInput) -> PaymentRecorded:
        if not 0 < request.amount_cents <= CEILING_CENTS:
            raise StoreRefusal(f"payment amount {request.amount_cents} cents is out of range")
        if request.reference in ledger.payments:
            return PaymentRecorded(applied=False, balance_cents=ledger.balance_cents)
        ledger.payments[request.reference] = request.amount_cents
        ledger.balance_cents -= request.amount_cents
        return PaymentRecorded(applied=True, balance_cents=ledger.balance_cents)

    # ---- contacts ----

    def load_contact_snapshot(self, ledger: Ledger, request: LoadContactSnapshotInput) -> ContactSnapshot:
        snapshot = self._snapshot(ledger)
        snapshot.licence_missing = list(licence_lines(snapshot.jurisdictions, Channel.LETTER, self.licences).missing)
        return snapshot

    def _snapshot(self, ledger: Ledger) -> ContactSnapshot:
        rows = ledger.points
        if ledger.places is None:
            zones = [list(point_zones(ledger, row, rows)) for row in rows]  # type: ignore[arg-type]
            ledger.places = zones, account_jurisdictions(ledger, rows)  # type: ignore[arg-type]
        zones, jurisdictions = ledger.places
        points = [
            ContactPoint(
                point_id=row.id, kind=row.kind, role=row.role, zones=list(zones[n]), opted_out=row.opted_out,
                opted_out_channels=list(row.opted_out_channels), consent_autodialer=row.consent_autodialer,
                consent_sms=row.consent_sms, bad=row.bad,
            )
            for n, row in enumerate(rows)
        ]  # fmt: skip
        return ContactSnapshot(
            account_id=ledger.record.account_id,
            points=points,
            cease_communication=ledger.cease,
            attorney_point_ids=[row.id for row in rows if row.role in ATTORNEY_ROLES],
            language=ledger.record.language,
            medical=ledger.record.medical,
            attorney_allows_direct_contact=ledger.attorney_allows,
            jurisdictions=list(jurisdictions),
        )

    def send_contact(self, ledger: Ledger, request: SendContactInput) -> SendContactResult:
        """Recorded once per attempt number; the gate's standing rules asked again on the latest facts."""
        at = request.at or datetime.min
        if (known := ledger.attempts.get(request.attempt_no)) is not None:
            return SendContactResult(known.status, at, at.isoformat(), known.rule)
        point = next((row for row in ledger.points if row.id == request.point_id), None)
        if point is None:
            raise StoreRefusal(f"unknown contact point {request.point_id} of account {request.account_id}")
        if point.kind != CHANNEL_POINT_KIND[request.channel]:
            raise StoreRefusal(f"contact point {request.point_id} is a {point.kind}")
        snapshot = self._snapshot(ledger)
        seen = next(p for p in snapshot.points if p.point_id == request.point_id)
        asked = ContactRequest(request.channel, seen, validation_notice=request.validation_notice)
        rule = standing_refusal(asked, cadence.standing_facts(snapshot))
        if rule is None and licence_lines(snapshot.jurisdictions, request.channel, self.licences).missing:
            rule = Rule.LICENSE_NUMBER_MISSING
        status = AttemptStatus.SENT if rule is None else AttemptStatus.BLOCKED
        ledger.attempts[request.attempt_no] = Attempt(request.channel, status, rule, point_id=request.point_id)
        return SendContactResult(status, at, at.isoformat(), rule)

    def record_blocked_attempt(self, ledger: Ledger, request: RecordBlockedInput) -> None:
        ledger.attempts.setdefault(
            request.attempt_no, Attempt(request.channel, AttemptStatus.BLOCKED, request.rule, point_id=request.point_id)
        )

    def record_contact_outcome(self, ledger: Ledger, request: RecordOutcomeInput) -> None:
        attempt = ledger.attempts.get(request.attempt_no)
        if attempt is None:
            raise StoreRefusal(f"unknown attempt {request.attempt_no} of account {request.account_id}")
        attempt.outcome = request.outcome
        if request.outcome == Outcome.WRONG_NUMBER and attempt.point_id is not None:
            for row in ledger.points:
                if row.id == attempt.point_id:
                    row.bad = True
            ledger.changed()

    def record_inbound_contact(self, ledger: Ledger, request: RecordInboundInput) -> None:
        contact = request.contact
        ledger.attempts.setdefault(
            request.attempt_no,
            Attempt(contact.channel, AttemptStatus.RECEIVED, outcome=contact.outcome, point_id=contact.point_id),
        )

    def apply_contact_preference(self, ledger: Ledger, request: ContactPreferenceInput) -> None:
        kind = ContactPreference(request.kind)
        ledger.changed()
        if kind == ContactPreference.CEASE:
            ledger.cease = True
            return
        row = next((row for row in ledger.points if row.id == request.point_id), None)
        if row is None:
            raise StoreRefusal(f"unknown contact point {request.point_id} of account {request.account_id}")
        if kind != ContactPreference.OPT_OUT:
            row.bad = True
        elif request.channel is not None:
            row.opted_out_channels = sorted({*row.opted_out_channels, Channel(request.channel).value})
        else:
            row.opted_out = True

    def add_representative(self, ledger: Ledger, request: RepresentativeInput) -> None:
        """The estate's representative: a point the account has with that value becomes theirs, else a new one."""
        if not request.name.strip() or not (request.phone or request.email):
            raise StoreRefusal("the representative needs a name and a phone or an email")
        for kind, value in (("phone", request.phone), ("email", request.email.strip() if request.email else None)):
            if value is None:
                continue
            wanted = value.lower() if kind == "email" else value
            row = next((r for r in ledger.points if r.kind == kind and _compared(kind, r.value) == wanted), None)
            if row is None:
                row = self._point(kind, value, None, sms=False, autodialer=False)
                ledger.points.append(row)
            row.role, row.label = REPRESENTATIVE, request.name.strip()
        ledger.changed()

    # ---- plans and promises ----

    def create_plan(self, ledger: Ledger, request: CreatePlanInput) -> PlanRecord:
        if request.plan_no not in ledger.plans:
            for plan in ledger.plans.values():
                if plan[1] == "active":
                    plan[1] = "cancelled"
            ledger.plans[request.plan_no] = [request.offer.kind, "active"]
        kind, status = ledger.plans[request.plan_no]
        offer = request.offer
        return PlanRecord(
            request.account_id, request.plan_no, kind, offer.total_cents, offer.discount_cents, status,
            list(offer.installments),
        )  # fmt: skip

    def end_plan(self, ledger: Ledger, request: EndPlanInput) -> None:
        if (plan := ledger.plans.get(request.plan_no)) is None:
            raise StoreRefusal(f"unknown plan {request.plan_no} of account {request.account_id}")
        if plan[1] == "active":
            plan[1] = request.status

    def settle_account(self, ledger: Ledger, request: SettleAccountInput) -> None:
        key = f"settle:{request.plan_no}"
        if key in ledger.keys:
            return
        ledger.keys.add(key)
        ledger.balance_cents -= min(request.forgiven_cents, max(ledger.balance_cents, 0))
        if (plan := ledger.plans.get(request.plan_no)) is not None and plan[1] == "active":
            plan[1] = "completed"

    def record_promise(self, ledger: Ledger, request: RecordPromiseInput) -> None:
        ledger.promises.setdefault(request.promise_no, "open")

    def resolve_promise(self, ledger: Ledger, request: ResolvePromiseInput) -> None:
        if ledger.promises.get(request.promise_no) == "open":
            ledger.promises[request.promise_no] = request.status

    # ---- referral ----

    def place_account(self, ledger: Ledger, request: PlaceAccountInput) -> PlacementResult:
        """The agency by domain.referral's rule (segment, balance band, round robin over the whole run)."""
        if (known := ledger.placements.get(request.placement_no)) is not None:
            return PlacementResult(request.placement_no, known[0], known[1], datetime.min)
        choice = referral.choose_placement(
            request.policy, segment=request.segment, balance_cents=request.balance_cents, tried=request.tried,
            placed_counts=self.placed_counts, internal=request.internal_desk,
        )  # fmt: skip
        self.placed_counts[choice.agency_id] += 1
        ledger.placements[request.placement_no] = [choice.agency_id, choice.commission_bps, "placed"]
        return PlacementResult(request.placement_no, choice.agency_id, choice.commission_bps, datetime.min)

    def recall_placement(self, ledger: Ledger, request: RecallPlacementInput) -> None:
        placement = ledger.placements.get(request.placement_no)
        if placement is None or placement[2] != "placed":
            raise StoreRefusal(f"no active placement {request.placement_no} of account {request.account_id}")
        placement[2] = "recalled"

    def accrue_commission(self, ledger: Ledger, request: AccrueCommissionInput) -> int:
        placed = [p for p in ledger.placements.values() if p[2] == "placed"]
        amount = ledger.payments.get(request.payment_reference)
        if not placed or amount is None or f"commission:{request.payment_reference}" in ledger.keys:
            return 0
        ledger.keys.add(f"commission:{request.payment_reference}")
        return referral.commission_cents(amount, placed[-1][1])

    # ---- holds ----

    def write_off(self, ledger: Ledger, request: WriteOffInput) -> int:
        if "writeoff" in ledger.keys:
            return 0
        ledger.keys.add("writeoff")
        amount = max(ledger.balance_cents, 0)
        ledger.balance_cents -= amount
        return amount

    def adjust_balance(self, ledger: Ledger, request: AdjustBalanceInput) -> int:
        if request.amount_cents <= 0:
            raise StoreRefusal(f"an adjustment must be positive, got {request.amount_cents} cents")
        key = f"adjust:{request.reference}"
        if key not in ledger.keys:
            ledger.keys.add(key)
            ledger.balance_cents -= min(request.amount_cents, max(ledger.balance_cents, 0))
        return ledger.balance_cents


def _compared(kind: str, value: str) -> str:
    """A point's value as add_attorney matches it: emails without regard to case."""
    return value.lower() if kind == "email" else value
