"""The `referred` stage: placed with an agency or the internal desk; no in-house contact meanwhile."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.referral import ReferralActivities
    from domain import referral
    from domain.messages import AccountState
    from domain.referral_messages import ActivePlacement, PlaceAccountInput, RecallPlacementInput
    from workflows.negotiating import changed_since

StoreCall = Callable[..., Awaitable[Any]]


def referral_policy_of(state: AccountState) -> referral.ReferralPolicy:
    return state.plan.referral if state.plan is not None else referral.ReferralPolicy()


class ReferredStage:
    """Places the account, recalls a placement that stops paying (and places it again), honours recalls."""

    def __init__(
        self, state: AccountState, store: StoreCall, events: Callable[[], int], active: Callable[[], bool]
    ) -> None:
        self._state, self._store, self._events, self._active = state, store, events, active

    async def run(self) -> None:
        state, placed, policy = self._state, self._state.referral, referral_policy_of(self._state)
        while self._active():
            seen = self._events()
            placement = placed.placement
            if placement is None:
                await self._place(policy, internal_desk=placed.recall_requested is not None)
                placed.recall_requested = None
                continue
            if placed.recall_requested is not None and placement.agency_id != referral.INTERNAL_DESK:
                await self.recall(placed.recall_requested)
                continue
            placed.recall_requested = None
            if placement.agency_id == referral.INTERNAL_DESK:
                state.next_action, state.next_action_at = "worked by the internal collections desk", None
                await workflow.wait_condition(changed_since(self._events, seen))
                continue
            due = referral.recall_due_at(placement.last_paid_at or placement.placed_at, policy)
            if workflow.now() >= due:
                await self.recall(f"no payment in {policy.recall_after_days} days")
                continue
            state.next_action = f"placed with {placement.agency_id} (#{placement.placement_no}): recalled if unpaid"
            state.next_action_at = due
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(changed_since(self._events, seen), timeout=due - workflow.now())

    async def _place(self, policy: referral.ReferralPolicy, *, internal_desk: bool) -> None:
        state, placed = self._state, self._state.referral
        request = PlaceAccountInput(
            state.account_id, placed.placements_made + 1, state.segment, state.balance_cents, list(placed.tried),
            policy, internal_desk, at=workflow.now(),
        )  # fmt: skip
        result = await self._store(ReferralActivities.place_account, request)
        placed.placements_made = result.placement_no
        placed.placement = ActivePlacement(result.placement_no, result.agency_id, result.commission_bps, workflow.now())
        if result.agency_id != referral.INTERNAL_DESK:
            placed.tried.append(result.agency_id)

    async def recall(self, reason: str) -> None:
        await recall_placement(self._state, self._store, reason)


async def recall_placement(state: AccountState, store: StoreCall, reason: str) -> None:
    """End the active agency placement, if any (the stage places the account again, or a hold keeps it)."""
    placed = state.referral
    if placed.placement is None or placed.placement.agency_id == referral.INTERNAL_DESK:
        return
    number, placed.placement = placed.placement.placement_no, None
    await store(
        ReferralActivities.recall_placement, RecallPlacementInput(state.account_id, number, reason, at=workflow.now())
    )
