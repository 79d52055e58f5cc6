"""Negotiation policy: what an account may be offered, and whether a debtor's counter-offer is acceptable.

Pure functions of the account's balance, its segment's `NegotiationPolicy` and the time, which is always
a parameter (this module runs inside the Temporal workflow sandbox). Money is integer cents.

Rules worth knowing:
- Offered plans and settlements start `DEFAULT_FIRST_PAYMENT_DAYS` (14) days from today, a pay cycle,
  or sooner when the segment's `first_payment_within_days` is shorter. Pay in full is due today.
- Discounts are judged in basis points rounded up (`Offer.discount_basis_points`): 10.01% is over 10%.
- The minimum installment applies to plans of 2 or more installments; paying the balance at once is
  always acceptable, however small the balance.
- Negotiation ends by itself: `max_broken_promises` broken promises refer the account; `stall_days` with
  nothing in play and no event send it back to `contacting` (see `negotiation_exit`).
- An installment or a promise due on day D is judged at midnight UTC that starts day D + grace_days + 1:
  it is broken from that instant on if it is still not fully paid, and not a minute before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.money import format_cents
from domain.negotiation_messages import (
    Installment,
    InstallmentStatus,
    NegotiationState,
    Offer,
    OfferKind,
    PlanProposal,
    Promise,
    ProposalAnswer,
    ProposalDecision,
)
from domain.stages import Stage
from domain.validation import first_payment_problem, parse_day

DEFAULT_FIRST_PAYMENT_DAYS = 14
"""Offered plans start two weeks out (never beyond the policy's window) unless the debtor picks a date."""

RENEGOTIATE = "renegotiate"
REFER = "refer"

KEPT = "kept"
BROKEN = "broken"
OPEN = "open"


@dataclass(frozen=True)
class NegotiationPolicy:
    """One segment's negotiation limits, from the strategy file (plain numbers: it travels in `ContactPlan`)."""

    max_installments: int = 12
    min_installment_cents: int = 2_500
    first_payment_within_days: int = 30
    """The first payment is due no later than today + this many days."""
    installment_interval_days: int = 30
    in_policy_discount_bps: int = 0
    """Settlement discount acceptable without anyone's approval, in basis points (100 = 1%)."""
    role_authority_bps: tuple[tuple[str, int], ...] = (("collector", 1_000), ("supervisor", 3_000))
    """(role, largest discount in basis points that role may approve), least senior first."""
    grace_days: int = 5
    approval_expires_hours: int = 72
    """A pending approval nobody decides in this time returns the account to negotiation."""
    max_renegotiations: int = 2
    """Broken plans that may be renegotiated (re-aged) before the account is referred."""
    reminder_channels: tuple[str, ...] = ("email", "sms", "letter")
    """A missed installment is reminded once, on the first of these the compliance gate allows."""
    stall_days: int = 14
    """Negotiation with nothing in play (no plan, approval or open promise) and no event for this many
    days ends: the account goes back to `contacting` and its cadence."""
    max_broken_promises: int = 2
    """Broken promises to pay after which the account is referred."""


# --- money and percentages -------------------------------------------------------------------------------


def a_percent(bps: int) -> str:
    """'a 45%', 'an 18.08%', 'an 8%', 'an 11%' : the article as the number is said."""
    said = format_bps(bps)
    return f"an {said}" if said.startswith(("8", "11", "18")) else f"a {said}"


def format_bps(bps: int) -> str:
    """Basis points as a percentage for people: 1000 -> '10%', 1250 -> '12.5%', 333 -> '3.33%'."""
    whole, part = divmod(bps, 100)
    return f"{whole}%" if part == 0 else f"{whole}.{part:02d}".rstrip("0") + "%"


def installment_schedule(total_cents: int, count: int, first_due: date, interval_days: int) -> list[Installment]:
    """`count` installments adding up to `total_cents` exactly; the remainder cents go one each to the first ones."""
    if count < 1:
        raise ValueError(f"a schedule has at least one installment, got {count}")
    if total_cents < count:
        raise ValueError(f"{count} installments need at least a cent each, got {total_cents} cents in all")
    base, remainder = divmod(total_cents, count)
    return [
        Installment(
            number=k + 1,
            due_date=(first_due + timedelta(days=k * interval_days)).isoformat(),
            amount_cents=base + (1 if k < remainder else 0),
        )
        for k in range(count)
    ]


def smallest_installment_cents(policy: NegotiationPolicy) -> int:
    """The policy's minimum installment, and never less than a cent."""
    return max(1, policy.min_installment_cents)


def default_first_due(today: date, policy: NegotiationPolicy) -> date:
    return today + timedelta(days=min(DEFAULT_FIRST_PAYMENT_DAYS, policy.first_payment_within_days))


def _plan_offer(balance_cents: int, count: int, first_due: date, policy: NegotiationPolicy) -> Offer:
    kind = OfferKind.PAY_IN_FULL if count == 1 else OfferKind.INSTALLMENTS
    schedule = installment_schedule(balance_cents, count, first_due, policy.installment_interval_days)
    return Offer(kind, balance_cents, 0, schedule)


def _settlement_offer(balance_cents: int, settle_cents: int, due: date) -> Offer:
    kind = OfferKind.PAY_IN_FULL if settle_cents == balance_cents else OfferKind.SETTLEMENT
    return Offer(kind, settle_cents, balance_cents - settle_cents, installment_schedule(settle_cents, 1, due, 0))


def offers_for(balance_cents: int, policy: NegotiationPolicy, today: date) -> list[Offer]:
    """Pay in full today, every plan whose installments stay at or over the minimum, the in-policy settlement."""
    if balance_cents <= 0:
        return []
    offers = [_plan_offer(balance_cents, 1, today, policy)]
    first_due = default_first_due(today, policy)
    offers += [
        _plan_offer(balance_cents, count, first_due, policy)
        for count in range(2, policy.max_installments + 1)
        if balance_cents // count >= smallest_installment_cents(policy)
    ]
    discount = balance_cents * policy.in_policy_discount_bps // 10_000
    if 0 < discount < balance_cents:
        offers.append(_settlement_offer(balance_cents, balance_cents - discount, first_due))
    return offers


# --- proposals and approvals -----------------------------------------------------------------------------


def _rejected(reason: str) -> ProposalAnswer:
    return ProposalAnswer(ProposalDecision.REJECTED, reason)


def _first_due(proposal: PlanProposal, today: date, policy: NegotiationPolicy) -> date | str:
    """The proposal's first due date, the default when it names none, or the reason its date is refused."""
    if proposal.first_payment_on is None:
        return default_first_due(today, policy)
    problem = first_payment_problem(proposal.first_payment_on, today, policy)
    if problem is not None:
        return problem
    day = parse_day(proposal.first_payment_on)
    assert day is not None
    return day


def _evaluate_installments(
    count: int, balance_cents: int, first_due: date, policy: NegotiationPolicy
) -> ProposalAnswer:
    if count < 1:
        return _rejected(f"a plan has at least 1 installment (asked for {count})")
    if count > policy.max_installments:
        return _rejected(f"at most {policy.max_installments} installments are allowed (asked for {count})")
    smallest = balance_cents // count
    if count > 1 and smallest < smallest_installment_cents(policy):
        return _rejected(
            f"installments of {format_cents(smallest)} are under the minimum of "
            f"{format_cents(smallest_installment_cents(policy))}"
        )
    offer = _plan_offer(balance_cents, count, first_due, policy)
    if count == 1:
        return ProposalAnswer(
            ProposalDecision.ACCEPTED, f"pay in full: {format_cents(balance_cents)} on {first_due.isoformat()}", offer
        )
    return ProposalAnswer(
        ProposalDecision.ACCEPTED,
        f"{count} installments of {format_cents(smallest)} or more, every {policy.installment_interval_days} days "
        f"from {first_due.isoformat()}",
        offer,
    )


def least_senior_role_for(discount_bps: int, policy: NegotiationPolicy) -> str | None:
    """The role with the smallest authority that still covers the discount, or None if no role does."""
    covering = [(limit, position, role) for position, (role, limit) in enumerate(policy.role_authority_bps)]
    eligible = [entry for entry in covering if entry[0] >= discount_bps]
    return min(eligible)[2] if eligible else None


def _evaluate_settlement(settle_cents: int, balance_cents: int, due: date, policy: NegotiationPolicy) -> ProposalAnswer:
    if settle_cents <= 0:
        return _rejected(f"a settlement must be more than {format_cents(0)} (proposed {format_cents(settle_cents)})")
    if settle_cents > balance_cents:
        return _rejected(
            f"a settlement of {format_cents(settle_cents)} is more than the balance of {format_cents(balance_cents)}"
        )
    offer = _settlement_offer(balance_cents, settle_cents, due)
    bps = offer.discount_basis_points
    if bps <= policy.in_policy_discount_bps:
        return ProposalAnswer(
            ProposalDecision.ACCEPTED,
            f"settlement of {format_cents(settle_cents)} ({format_bps(bps)} off) on {due.isoformat()} is within policy",
            offer,
        )
    role = least_senior_role_for(bps, policy)
    if role is not None:
        return ProposalAnswer(
            ProposalDecision.PENDING_APPROVAL,
            f"{a_percent(bps)} discount needs {role} approval "
            f"(in policy: up to {format_bps(policy.in_policy_discount_bps)})",
            offer,
            required_role=role,
        )
    if not policy.role_authority_bps:
        return _rejected(
            f"{a_percent(bps)} discount is over the in-policy {format_bps(policy.in_policy_discount_bps)} "
            "and no role may approve more"
        )
    top_role, top_limit = max(policy.role_authority_bps, key=lambda entry: entry[1])
    return _rejected(f"{a_percent(bps)} discount is beyond every approval limit ({top_role}: {format_bps(top_limit)})")


def evaluate_proposal(
    proposal: PlanProposal, balance_cents: int, policy: NegotiationPolicy, today: date
) -> ProposalAnswer:
    """Accept, refer for approval or reject a counter-offer: installments, or a lump-sum settlement (not both).

    A proposal without a first payment date starts at `default_first_due`; a date given must be valid and within
    today..today + first_payment_within_days, for settlements as for installments (it is refused, not replaced).
    """
    if balance_cents <= 0:
        return _rejected(f"nothing is owed on this account (balance {format_cents(balance_cents)})")
    if (proposal.installments is None) == (proposal.settle_cents is None):
        return _rejected("a proposal names either a number of installments or a settlement amount, not both or neither")
    first_due = _first_due(proposal, today, policy)
    if isinstance(first_due, str):
        return _rejected(first_due)
    if proposal.installments is not None:
        return _evaluate_installments(proposal.installments, balance_cents, first_due, policy)
    assert proposal.settle_cents is not None
    return _evaluate_settlement(proposal.settle_cents, balance_cents, first_due, policy)


def may_approve(role: str, offer: Offer, policy: NegotiationPolicy) -> str | None:
    """None if `role` may approve the offer's discount, else why not (one line)."""
    limits = dict(policy.role_authority_bps)
    if role not in limits:
        roles = ", ".join(name for name, _ in policy.role_authority_bps) or "none"
        return f"{role!r} is not an approving role (roles: {roles})"
    bps = offer.discount_basis_points
    if bps > limits[role]:
        return f"{a_percent(bps)} discount is beyond the {role} limit of {format_bps(limits[role])}"
    return None


def approval_deadline(requested_at: datetime, policy: NegotiationPolicy) -> datetime:
    """When a pending approval nobody decided expires and the account returns to negotiation."""
    return requested_at + timedelta(hours=policy.approval_expires_hours)


# --- plans in force --------------------------------------------------------------------------------------


def apply_payment_to_plan(installments: list[Installment], amount_cents: int) -> int:
    """Fill unpaid installments in order (partially if need be), mark the full ones PAID; return what is left.

    Mutates `installments` (the workflow state owns them). A payment before a due date counts toward it.
    """
    if amount_cents < 0:
        raise ValueError(f"a payment cannot be negative, got {amount_cents} cents")
    left = amount_cents
    for installment in sorted(installments, key=lambda i: i.number):
        if left == 0:
            break
        taken = min(left, max(0, installment.amount_cents - installment.paid_cents))
        installment.paid_cents += taken
        left -= taken
        if installment.paid_cents >= installment.amount_cents:
            installment.status = InstallmentStatus.PAID
    return left


def unapply_payment_from_plan(installments: list[Installment], amount_cents: int) -> int:
    """Take a reversed payment back out of the plan: from the last installment paid backwards (payments fill
    them in order, so this undoes it), a PAID one below its amount scheduled again; return what was not in
    the plan. Mutates `installments`; the on_plan stage then judges the reopened ones with their grace."""
    if amount_cents < 0:
        raise ValueError(f"a reversal cannot be negative, got {amount_cents} cents")
    left = amount_cents
    for installment in sorted(installments, key=lambda i: i.number, reverse=True):
        if left == 0:
            break
        taken = min(left, installment.paid_cents)
        installment.paid_cents -= taken
        left -= taken
        if installment.paid_cents < installment.amount_cents and installment.status == InstallmentStatus.PAID:
            installment.status = InstallmentStatus.SCHEDULED
    return left


def reopened_promises(promises: list[Promise], collected_cents: int) -> list[int]:
    """The kept promises (numbers, from 1) that what is collected no longer covers once a payment is reversed."""
    return [
        number
        for number, promise in enumerate(promises, start=1)
        if promise.status == "kept" and collected_cents - promise.collected_at_promise_cents < promise.amount_cents
    ]


def judged_at(due_date: str, policy: NegotiationPolicy) -> datetime:
    """Midnight UTC starting day due + grace_days + 1: from then on, an unpaid installment or promise is broken."""
    day = date.fromisoformat(due_date) + timedelta(days=policy.grace_days + 1)
    return datetime.combine(day, time(), tzinfo=UTC)


def plan_deadline(installment: Installment, policy: NegotiationPolicy) -> datetime:
    return judged_at(installment.due_date, policy)


def reminder_at(installment: Installment) -> datetime:
    """Noon UTC the day after the due date, when the due date has ended in every US zone: the reminder is due."""
    return datetime.combine(date.fromisoformat(installment.due_date) + timedelta(days=1), time(12), tzinfo=UTC)


def needs_reminder(installment: Installment, reminded: list[int], now: datetime, policy: NegotiationPolicy) -> bool:
    """Past due, not yet paid, not yet reminded, and still inside its grace period (else it is broken)."""
    return (
        installment.number not in reminded
        and installment.paid_cents < installment.amount_cents
        and reminder_at(installment) <= now < plan_deadline(installment, policy)
        and bool(policy.reminder_channels)
    )


def installment_broken(installment: Installment, now: datetime, policy: NegotiationPolicy) -> bool:
    """Still not fully paid at `now` (timezone-aware) on or after its deadline."""
    return installment.paid_cents < installment.amount_cents and now >= plan_deadline(installment, policy)


def next_installment(installments: list[Installment]) -> Installment | None:
    return next((i for i in installments if i.status != InstallmentStatus.PAID), None)


def after_broken_plan(renegotiations_used: int, policy: NegotiationPolicy) -> str:
    """RENEGOTIATE while the segment allows another re-aged plan, else REFER."""
    return RENEGOTIATE if renegotiations_used < policy.max_renegotiations else REFER


# --- leaving negotiation without a plan ------------------------------------------------------------------


def in_play(talks: NegotiationState) -> bool:
    """Something negotiation is waiting on: a plan, an approval or an open promise."""
    return talks.plan is not None or talks.pending is not None or any(p.status == OPEN for p in talks.promises)


def stalled_at(talks: NegotiationState, policy: NegotiationPolicy) -> datetime | None:
    """When negotiation gives up for lack of news; None while something is in play."""
    if in_play(talks) or talks.quiet_since is None:
        return None
    return talks.quiet_since + timedelta(days=policy.stall_days)


def negotiation_exit(talks: NegotiationState, policy: NegotiationPolicy, now: datetime) -> Stage | None:
    """REFERRED after too many broken promises, CONTACTING once negotiation has stalled, else None."""
    if talks.promises_broken >= policy.max_broken_promises:
        return Stage.REFERRED
    stall = stalled_at(talks, policy)
    return Stage.CONTACTING if stall is not None and now >= stall else None


# --- promises to pay -------------------------------------------------------------------------------------


def promise_deadline(promise: Promise, policy: NegotiationPolicy) -> datetime:
    return judged_at(promise.due_date, policy)


def promise_status(promise: Promise, collected_cents: int, now: datetime, policy: NegotiationPolicy) -> str:
    """KEPT once payments since the promise cover it, BROKEN if not by its deadline, else OPEN."""
    if collected_cents - promise.collected_at_promise_cents >= promise.amount_cents:
        return KEPT
    return BROKEN if now >= promise_deadline(promise, policy) else OPEN
