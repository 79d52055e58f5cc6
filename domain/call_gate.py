"""The gate's answer for a call a collector would place by hand now: pure, from the workflow's state.

The account's workflow answers it (the `next_call` query) from its own contact history, so the desk shows
exactly what the gate (domain/compliance.py) would decide; placing the call asks the same question again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.cadence import clear_step, compliance_profile
from domain.compliance import counts_as_call_attempt
from domain.contact import Channel, Rule
from domain.messages import AccountState
from domain.rule_packs import account_profile
from domain.stages import Stage
from domain.strategy import CadenceStep
from domain.timezones import valid_zones

STAFF_CALL = CadenceStep(channel=Channel.CALL, template="staff_call", after_seconds=0)
"""A call placed by hand (not autodialed): what the gate is asked about."""
CLOSED = "closed"
ON_HOLD = "on_hold"
PLACED = "placed"
"""Placed with an agency: the agency works the account, the desk does not call it."""
NOT_LOADED = "not_loaded"


@dataclass
class CallGateQuestion:
    """The `next_call` query's argument: at which moment, at which phone (None: any of the account's)."""

    at: datetime
    point_id: int | None = None


@dataclass
class CallGate:
    """`allowed_at` is `now` when a call may be placed now, later when it must wait, None when it may not
    until something changes; `reason` is the rule (domain.contact.Rule) or closed/on_hold/not_loaded."""

    allowed_at: datetime | None
    reason: str | None
    point_id: int | None
    zone: str | None
    calls_in_7_days: int
    max_calls: int
    hold: str | None = None

    @property
    def allowed_now(self) -> bool:
        return self.allowed_at is not None and self.reason is None


def call_gate(state: AccountState, now: datetime, point_id: int | None = None) -> CallGate:
    """May a collector call now (at `point_id`, else at the account's first phone the gate allows)?"""
    plan, snapshot = state.plan, state.contacts
    recent = sum(
        1 for r in state.contact.history if counts_as_call_attempt(r) and now - r.at < timedelta(days=7)
    )  # fmt: skip
    if plan is None or snapshot is None:
        return CallGate(None, NOT_LOADED, point_id, None, recent, 0)
    profile = account_profile(compliance_profile(plan.compliance), snapshot.jurisdictions)
    gate = CallGate(None, None, point_id, None, recent, profile.max_calls_per_7_days)
    if state.stage.is_terminal:
        return replace(gate, reason=CLOSED)
    if state.holds:
        return replace(gate, reason=ON_HOLD, hold=state.holds[-1].kind.value)
    if state.stage == Stage.REFERRED or state.referral.placement is not None:
        return replace(gate, reason=PLACED)
    if point_id is not None:
        snapshot = replace(snapshot, points=[p for p in snapshot.points if p.point_id == point_id])
    decision = clear_step(plan, state.contact, snapshot, STAFF_CALL, now)
    point = decision.point
    zones = valid_zones(point.zones) if point is not None else []
    gate = replace(gate, point_id=point.point_id if point else point_id, zone=zones[0] if zones else None)
    rule = decision.rule.value if decision.rule is not None else None
    return replace(gate, allowed_at=decision.at if decision.kind.value != "skip" else None, reason=rule)


def describe(gate: CallGate, now: datetime) -> str:
    """One line a collector reads before dialling, in the debtor's local time."""
    zone = ZoneInfo(gate.zone) if gate.zone else None
    count = f"{gate.calls_in_7_days} of {gate.max_calls} calls in 7 days" if gate.max_calls else ""
    if gate.allowed_now:
        local = f", {now.astimezone(zone):%H:%M} {gate.zone} there" if zone else ""
        return f"calls allowed now{local}: {count}"
    if gate.reason == CLOSED:
        return "no calls: the account is closed"
    if gate.reason == ON_HOLD:
        return f"no calls: the account is on hold ({(gate.hold or '').replace('_', ' ')})"
    if gate.reason == PLACED:
        return "no calls: the account is placed with an agency, which works it"
    if gate.reason == NOT_LOADED:
        return "no calls yet: the account's workflow has not loaded its contacts"
    why = _RULE_WORDS.get(gate.reason or "", (gate.reason or "").replace("_", " "))
    if gate.reason == Rule.CALL_FREQUENCY:
        why = f"{gate.calls_in_7_days} calls in 7 days"
    if gate.allowed_at is None:
        return f"no calls: {why}"
    when = gate.allowed_at.astimezone(zone) if zone else gate.allowed_at
    day = "today" if when.date() == now.astimezone(when.tzinfo).date() else f"{when:%A} {when.day} {when:%b}"
    return f"calls allowed again {day} {when.hour}:{when:%M} {gate.zone or 'UTC'}: {why}"


_RULE_WORDS: dict[str, str] = {
    Rule.CEASE_COMMUNICATION: "the debtor asked in writing to cease communication",
    Rule.ATTORNEY_REPRESENTED: "the debtor is represented by an attorney",
    Rule.OPTED_OUT: "the debtor opted out of calls at this number",
    Rule.NO_CONSENT: "no consent for this kind of call",
    Rule.BAD_CONTACT_POINT: "no phone number that may be called",
    Rule.VALIDATION_NOTICE_FIRST: "the validation notice goes first",
    Rule.CONVERSATION_QUIET_PERIOD: "a telephone conversation in the last 7 days",
    Rule.CALLING_HOURS: "outside the calling hours where the debtor may be",
    Rule.COMMUNICATION_FREQUENCY: "the communication limit of a state rule",
}
