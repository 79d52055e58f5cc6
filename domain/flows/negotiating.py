"""The `negotiating` stage, and what the negotiation events do (proposals, approvals, promises).

Stage changes are the machine's (domain/machine.py): these return what happened and it decides where to go.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain import negotiation, validation
from domain.commands import Context, Flow, Wait, call
from domain.messages import AccountState
from domain.negotiation_messages import (
    ActivePlan,
    ApprovalInput,
    Offer,
    PendingApproval,
    PlanProposal,
    Promise,
    PromiseInput,
    ProposalAnswer,
    ProposalDecision,
)
from domain.plan_messages import CreatePlanInput, RecordPromiseInput, ResolvePromiseInput
from domain.stages import Stage


def policy_of(state: AccountState) -> negotiation.NegotiationPolicy:
    return state.plan.negotiation if state.plan is not None else negotiation.NegotiationPolicy()


def negotiating(ctx: Context) -> Flow[Stage]:
    """Wait for proposals and promises; expire approvals nobody decided; judge promises; leave when talks stall."""
    state, talks, policy = ctx.state, ctx.state.negotiation, policy_of(ctx.state)
    woken_by_event = False
    while True:
        now = ctx.now()
        if talks.quiet_since is None or woken_by_event or negotiation.in_play(talks):
            talks.quiet_since = now  # an event, or something still in play: not quiet yet
        if talks.pending is not None and now >= talks.pending.expires_at:
            ctx.log("approval request expired undecided; back to negotiation")
            talks.pending = None
        yield from resolve_promises(ctx)
        if (leave_for := negotiation.negotiation_exit(talks, policy, now)) is not None:
            ctx.log(f"negotiation ended without a plan; next stage {leave_for}")
            talks.quiet_since = None
            state.contact.right_party_contact_at = None  # back to the cadence until a new right-party contact
            return leave_for
        deadlines = [d for d in _deadlines(state) if d > now]
        state.next_action_at = min(deadlines) if deadlines else now + timedelta(days=1)
        state.next_action = _next_action(state)
        events = yield Wait(state.next_action_at, "negotiation")
        woken_by_event = bool(events)


def _deadlines(state: AccountState) -> list[datetime]:
    talks = state.negotiation
    found = [talks.pending.expires_at] if talks.pending else []
    stall = negotiation.stalled_at(talks, policy_of(state))
    return found + promise_deadlines(state) + ([stall] if stall else [])


def _next_action(state: AccountState) -> str:
    talks = state.negotiation
    if talks.pending is not None:
        return f"approval by a {talks.pending.required_role} (expires {talks.pending.expires_at:%Y-%m-%d %H:%M} UTC)"
    if any(p.status == "open" for p in talks.promises):
        return "watch the promise to pay"
    return "wait for a proposal, a promise or a payment; without news, back to the cadence"


def promise_deadlines(state: AccountState) -> list[datetime]:
    policy = policy_of(state)
    return [negotiation.promise_deadline(p, policy) for p in state.negotiation.promises if p.status == "open"]


def resolve_promises(ctx: Context) -> Flow[None]:
    """Judge every open promise whose time has come (kept by what was collected, or broken)."""
    state, talks = ctx.state, ctx.state.negotiation
    for number, promise in enumerate(talks.promises, start=1):
        if promise.status != "open":
            continue
        status = negotiation.promise_status(promise, state.collected_cents, ctx.now(), policy_of(state))
        if status == "open":
            continue
        promise.status = status
        if status == "kept":
            talks.promises_kept += 1
        else:
            talks.promises_broken += 1
        yield from call("resolve_promise", ResolvePromiseInput(state.account_id, number, status, at=ctx.now()))


def accept(ctx: Context, offer: Offer, *, proposed_by: str, approved_by: str | None, role: str | None) -> Flow[None]:
    """The plan is agreed: recorded, and the account goes on plan (the machine moves it)."""
    state, talks = ctx.state, ctx.state.negotiation
    talks.plans_made += 1
    talks.pending, talks.quiet_since, talks.completed_plan = None, None, None
    talks.plan = ActivePlan(talks.plans_made, offer, proposed_by, approved_by)
    yield from call(
        "create_plan",
        CreatePlanInput(state.account_id, talks.plans_made, offer, proposed_by, approved_by, role, at=ctx.now()),
    )


def evaluate(ctx: Context, proposal: PlanProposal) -> ProposalAnswer:
    state = ctx.state
    return negotiation.evaluate_proposal(proposal, state.balance_cents, policy_of(state), ctx.now().date())


def proposal_problem(state: AccountState, proposal: PlanProposal, answer: ProposalAnswer) -> str | None:
    """Why a proposal cannot be taken now (the update's validator and the machine both ask), or None."""
    if state.stage.is_terminal:
        return "the account is closed"
    if state.holds:
        return f"the account is on hold ({state.holds[-1].kind}): no plan can be agreed"
    if state.negotiation.pending is not None:
        return "a proposal already awaits approval: approve or decline it first"
    if answer.decision == ProposalDecision.REJECTED:
        return answer.reason
    return None


def propose(ctx: Context, proposal: PlanProposal) -> Flow[ProposalAnswer]:
    answer = evaluate(ctx, proposal)
    if (problem := proposal_problem(ctx.state, proposal, answer)) is not None:
        return ProposalAnswer(ProposalDecision.REJECTED, problem, answer.offer)
    if answer.decision == ProposalDecision.ACCEPTED and answer.offer is not None:
        yield from accept(ctx, answer.offer, proposed_by=proposal.proposed_by, approved_by=None, role=None)
    elif answer.decision == ProposalDecision.PENDING_APPROVAL and answer.offer is not None:
        now = ctx.now()
        expires = now + timedelta(hours=policy_of(ctx.state).approval_expires_hours)
        ctx.state.negotiation.pending = PendingApproval(
            answer.offer, proposal, answer.required_role or "", now, expires
        )
    return answer


def approval_problem(state: AccountState, decision: ApprovalInput) -> str | None:
    pending = state.negotiation.pending
    if pending is None:
        return "nothing awaits approval on this account"
    if not decision.approver.strip():
        return "the approver's name is required"
    if decision.approve:
        return negotiation.may_approve(decision.role, pending.offer, policy_of(state))
    return None


def decide(ctx: Context, decision: ApprovalInput) -> Flow[ProposalAnswer]:
    talks = ctx.state.negotiation
    if (problem := approval_problem(ctx.state, decision)) is not None:
        return ProposalAnswer(ProposalDecision.REJECTED, problem, None)
    pending = talks.pending
    assert pending is not None
    if not decision.approve:
        talks.pending = None
        return ProposalAnswer(ProposalDecision.REJECTED, f"declined by {decision.approver}", pending.offer)
    proposed_by = pending.proposal.proposed_by
    yield from accept(ctx, pending.offer, proposed_by=proposed_by, approved_by=decision.approver, role=decision.role)
    return ProposalAnswer(ProposalDecision.ACCEPTED, f"approved by {decision.approver}", pending.offer)


def promise_to_pay(ctx: Context, promise: PromiseInput) -> Flow[bool]:
    """Record a promise the policy allows; whether it was taken."""
    state, talks = ctx.state, ctx.state.negotiation
    problem = validation.promise_problem(promise, state.balance_cents, ctx.now().date(), policy_of(state))
    if problem is not None:
        ctx.log(f"promise ignored: {problem}")
        return False
    talks.promises_made += 1
    talks.promises.append(Promise(promise.amount_cents, promise.due_date, ctx.now(), state.collected_cents))
    yield from call(
        "record_promise",
        RecordPromiseInput(state.account_id, talks.promises_made, promise.amount_cents, promise.due_date, at=ctx.now()),
    )
    return True
