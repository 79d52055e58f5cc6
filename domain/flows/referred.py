"""The `referred` stage: placed with an agency or the internal desk; no in-house contact meanwhile."""

from __future__ import annotations

from typing import Any

from domain import referral
from domain.commands import Context, Flow, Wait, call
from domain.messages import AccountState
from domain.referral_messages import ActivePlacement, PlaceAccountInput, PlacementResult, RecallPlacementInput


def referral_policy_of(state: AccountState) -> referral.ReferralPolicy:
    return state.plan.referral if state.plan is not None else referral.ReferralPolicy()


def referred(ctx: Context) -> Flow[Any]:
    """Place the account, recall a placement that stops paying (and place it again), honour recalls.
    The account stays referred until it closes or a hold interrupts."""
    state, placed, policy = ctx.state, ctx.state.referral, referral_policy_of(ctx.state)
    while True:
        placement = placed.placement
        if placement is None:
            yield from _place(ctx, policy, internal_desk=placed.recall_requested is not None)
            placed.recall_requested = None
            continue
        if placed.recall_requested is not None and placement.agency_id != referral.INTERNAL_DESK:
            yield from recall(ctx, placed.recall_requested)
            continue
        placed.recall_requested = None
        if placement.agency_id == referral.INTERNAL_DESK:
            state.next_action, state.next_action_at = "worked by the internal collections desk", None
            yield Wait(None, "internal desk")
            continue
        due = referral.recall_due_at(placement.last_paid_at or placement.placed_at, policy)
        if ctx.now() >= due:
            yield from recall(ctx, f"no payment in {policy.recall_after_days} days")
            continue
        state.next_action = f"placed with {placement.agency_id} (#{placement.placement_no}): recalled if unpaid"
        state.next_action_at = due
        yield Wait(due, "placement")


def _place(ctx: Context, policy: referral.ReferralPolicy, *, internal_desk: bool) -> Flow[None]:
    state, placed = ctx.state, ctx.state.referral
    request = PlaceAccountInput(
        state.account_id, placed.placements_made + 1, state.segment, state.balance_cents, list(placed.tried),
        policy, internal_desk, at=ctx.now(),
    )  # fmt: skip
    result: PlacementResult = yield from call("place_account", request)
    placed.placements_made = result.placement_no
    placed.placement = ActivePlacement(result.placement_no, result.agency_id, result.commission_bps, ctx.now())
    if result.agency_id != referral.INTERNAL_DESK:
        placed.tried.append(result.agency_id)


def recall(ctx: Context, reason: str) -> Flow[None]:
    """End the active agency placement, if any (the stage places the account again, or a hold keeps it)."""
    placed = ctx.state.referral
    if placed.placement is None or placed.placement.agency_id == referral.INTERNAL_DESK:
        return
    number, placed.placement = placed.placement.placement_no, None
    yield from call("recall_placement", RecallPlacementInput(ctx.state.account_id, number, reason, at=ctx.now()))
