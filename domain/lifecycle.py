"""Pure lifecycle rules of one account: payments, holds, closing, review timing, history size."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain.contact_messages import ContactSnapshot
from domain.holds import hold_to_release
from domain.messages import (
    AccountSnapshot,
    AccountState,
    AccountStatus,
    Hold,
    HoldInput,
    HoldOutcome,
    HoldReleaseInput,
)
from domain.negotiation_messages import NegotiationState
from domain.referral_messages import ReferralState
from domain.stages import Stage
from domain.strategy import ContactPlan

REVIEW_INTERVAL = timedelta(days=1)
RECENT_REFERENCES_KEPT = 200
"""Payment references remembered in workflow state; older ones are caught by the store's unique key."""

_OUTCOME_STAGE = {
    HoldOutcome.CLOSE: Stage.CLOSED,
    HoldOutcome.WRITE_OFF: Stage.WRITTEN_OFF,
    HoldOutcome.DISCHARGE: Stage.DISCHARGED,
}


def new_account_state(snapshot: AccountSnapshot, now: datetime, plan: ContactPlan | None = None) -> AccountState:
    return AccountState(
        account_id=snapshot.account_id,
        balance_cents=snapshot.balance_cents,
        currency=snapshot.currency,
        due_date=snapshot.due_date,
        segment=snapshot.segment,
        opened_at=now,
        plan=plan,
    )


def days_past_due(due_date: str, now: datetime) -> int:
    return max(0, (now.date() - date.fromisoformat(due_date)).days)


def due_datetime(due_date: str) -> datetime:
    """The due date as midnight UTC, the form a Datetime search attribute takes."""
    return datetime.combine(date.fromisoformat(due_date), time(), tzinfo=UTC)


def is_duplicate_payment(state: AccountState, reference: str) -> bool:
    return reference in state.recent_payment_references


def remember_payment_reference(state: AccountState, reference: str) -> None:
    state.recent_payment_references.append(reference)
    del state.recent_payment_references[:-RECENT_REFERENCES_KEPT]


def apply_recorded_payment(state: AccountState, *, amount_cents: int, applied: bool, balance_cents: int) -> None:
    """The store is the book of record: take its balance, count the payment if it was new."""
    state.balance_cents = balance_cents
    if applied:
        state.payments_count += 1
        state.collected_cents += amount_cents


def place_hold(state: AccountState, hold: HoldInput, now: datetime) -> bool:
    """Stack a hold; the same reference twice is one hold. Returns whether anything changed."""
    if any(h.reference == hold.reference for h in state.holds):
        return False
    state.holds.append(Hold(hold.reference, hold.kind, hold.reason, now, dict(hold.detail)))
    return True


def release_hold(state: AccountState, release: HoldReleaseInput) -> Hold | None:
    """Lift one hold (by reference, else the latest of its kind); a closing outcome decides how the account ends."""
    hold = hold_to_release(state, release)
    if hold is None:
        return None
    state.holds.remove(hold)
    if release.outcome in _OUTCOME_STAGE:
        state.outcome = _OUTCOME_STAGE[release.outcome]
    return hold


def closing_stage(state: AccountState) -> Stage | None:
    """The terminal stage the account has reached, if any."""
    if state.outcome is not None:
        return state.outcome
    if state.balance_cents <= 0:
        return Stage.PAID
    return None


def next_review_at(now: datetime) -> datetime:
    return now + REVIEW_INTERVAL


def should_continue_as_new(*, history_length: int, suggested: bool, max_history_events: int) -> bool:
    return suggested or history_length >= max_history_events


def account_status(state: AccountState, now: datetime) -> AccountStatus:
    top = state.holds[-1] if state.holds else None
    return AccountStatus(
        account_id=state.account_id,
        stage=state.stage,
        balance_cents=state.balance_cents,
        currency=state.currency,
        days_past_due=days_past_due(state.due_date, now),
        hold=f"{top.kind}: {top.reason}" if top else None,
        holds=[f"{h.kind}:{h.reference}" for h in state.holds],
        resume_stage=state.resume_stage if state.holds else None,
        next_action=state.next_action,
        next_action_at=state.next_action_at,
        attempts_count=state.attempts_count,
        payments_count=state.payments_count,
        collected_cents=state.collected_cents,
        generation=state.generation,
        strategy=f"{state.plan.strategy} {state.plan.version}" if state.plan else None,
        validation_period_end=state.contact.validation_period_end,
        **plan_status(state.negotiation),
        placement=placement_status(state.referral),
        placements_made=state.referral.placements_made,
    )


def placement_status(placed: ReferralState) -> str | None:
    found = placed.placement
    if found is None:
        return None
    return f"#{found.placement_no} {found.agency_id} since {found.placed_at:%Y-%m-%d} ({found.commission_bps / 100:g}%)"


def plan_status(talks: NegotiationState) -> dict[str, Any]:
    """The repayment side of `status`: the plan, the next installment, promises, a pending approval."""
    plan = talks.plan
    due = next((i for i in plan.offer.installments if i.paid_cents < i.amount_cents), None) if plan else None
    pending = talks.pending
    return {
        "plan": f"#{plan.plan_no} {plan.offer.kind} of {len(plan.offer.installments)}" if plan else None,
        "next_installment_due": due.due_date if due else None,
        "next_installment_cents": due.amount_cents - due.paid_cents if due else None,
        "installments_missed": talks.installments_missed,
        "promises_kept": talks.promises_kept,
        "promises_broken": talks.promises_broken,
        "pending_approval": f"{pending.offer.kind} needs a {pending.required_role}" if pending else None,
        "pending_proposal": pending,
        "forgiven_cents": talks.forgiven_cents,
    }


def opt_out(contacts: ContactSnapshot, *, point_id: int | None, channel: str | None) -> None:
    """Opt a contact point out of one channel (or of every channel when none is named)."""
    for point in contacts.points:
        if point.point_id == point_id:
            if channel is None:
                point.opted_out = True
            elif channel not in point.opted_out_channels:
                point.opted_out_channels.append(channel)
