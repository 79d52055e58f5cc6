"""The `negotiating` and `on_plan` stages, and the plan decisions the update handlers share."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.negotiation import NegotiationActivities
    from domain import cadence, negotiation
    from domain.messages import AccountState
    from domain.negotiation_messages import ActivePlan, Installment, InstallmentStatus, Offer, OfferKind
    from domain.plan_messages import (
        CreatePlanInput,
        EndPlanInput,
        RecordInstallmentsInput,
        ResolvePromiseInput,
        SettleAccountInput,
    )
    from domain.stages import Stage
    from workflows.sending import ContactSender

StoreCall = Callable[..., Awaitable[Any]]


def changed_since(events: Callable[[], int], seen: int) -> Callable[[], bool]:
    """A wait condition: some event arrived since the count was `seen`."""
    return lambda: events() != seen


def policy_of(state: AccountState) -> negotiation.NegotiationPolicy:
    return state.plan.negotiation if state.plan is not None else negotiation.NegotiationPolicy()


class PlanKeeper:
    """Plan decisions shared by the update handlers and the stages."""

    def __init__(self, state: AccountState, store: StoreCall) -> None:
        self._state, self._store = state, store

    async def accept(self, offer: Offer, *, proposed_by: str, approved_by: str | None, role: str | None) -> None:
        talks = self._state.negotiation
        talks.plans_made += 1
        talks.pending, talks.quiet_since = None, None
        talks.plan = ActivePlan(talks.plans_made, offer, proposed_by, approved_by)
        await self._store(
            NegotiationActivities.create_plan,
            CreatePlanInput(
                self._state.account_id, talks.plans_made, offer, proposed_by, approved_by, role, at=workflow.now()
            ),
        )
        self._state.resume_stage = Stage.ON_PLAN

    async def apply_payment(self, amount_cents: int) -> None:
        plan = self._state.negotiation.plan
        if plan is None:
            return
        negotiation.apply_payment_to_plan(plan.offer.installments, amount_cents)
        await self._store(
            NegotiationActivities.record_installments,
            RecordInstallmentsInput(self._state.account_id, plan.plan_no, plan.offer.installments, at=workflow.now()),
        )

    def promise_deadlines(self) -> list[datetime]:
        policy = policy_of(self._state)
        return [negotiation.promise_deadline(p, policy) for p in self._state.negotiation.promises if p.status == "open"]

    async def resolve_promises(self, now: datetime) -> None:
        talks = self._state.negotiation
        for number, promise in enumerate(talks.promises, start=1):
            if promise.status != "open":
                continue
            status = negotiation.promise_status(promise, self._state.collected_cents, now, policy_of(self._state))
            if status == "open":
                continue
            promise.status = status
            if status == "kept":
                talks.promises_kept += 1
            else:
                talks.promises_broken += 1
            await self._store(
                NegotiationActivities.resolve_promise,
                ResolvePromiseInput(self._state.account_id, number, status, at=workflow.now()),
            )


class NegotiatingStage:
    """Waits for proposals and promises; expires approvals nobody decided; judges promises."""

    def __init__(
        self, state: AccountState, keeper: PlanKeeper, events: Callable[[], int], active: Callable[[], bool]
    ) -> None:
        self._state, self._keeper, self._events, self._active = state, keeper, events, active

    async def run(self) -> None:
        state, talks, policy = self._state, self._state.negotiation, policy_of(self._state)
        seen = self._events()
        while self._active():
            now = workflow.now()
            if talks.quiet_since is None or seen != self._events() or negotiation.in_play(talks):
                talks.quiet_since = now  # an event, or something still in play: not quiet yet
            seen = self._events()
            if talks.pending is not None and now >= talks.pending.expires_at:
                workflow.logger.info("approval request expired undecided; back to negotiation")
                talks.pending = None
            await self._keeper.resolve_promises(now)
            if (leave_for := negotiation.negotiation_exit(talks, policy, now)) is not None:
                return self._leave(leave_for)
            deadlines = [d for d in self._deadlines() if d > now]
            wake_at = min(deadlines) if deadlines else now + timedelta(days=1)
            state.next_action = self._next_action()
            state.next_action_at = wake_at
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(changed_since(self._events, seen), timeout=wake_at - now)

    def _leave(self, stage: Stage) -> None:
        """Negotiation ends without a plan: referred, or back to the cadence until a new right-party contact."""
        workflow.logger.info("negotiation ended without a plan; next stage %s", stage)
        self._state.negotiation.quiet_since = None
        self._state.contact.right_party_contact_at = None
        self._state.resume_stage = stage

    def _deadlines(self) -> list[datetime]:
        talks = self._state.negotiation
        found = [talks.pending.expires_at] if talks.pending else []
        stall = negotiation.stalled_at(talks, policy_of(self._state))
        return found + self._keeper.promise_deadlines() + ([stall] if stall else [])

    def _next_action(self) -> str:
        talks = self._state.negotiation
        if talks.pending is not None:
            return (
                f"approval by a {talks.pending.required_role} (expires {talks.pending.expires_at:%Y-%m-%d %H:%M} UTC)"
            )
        if any(p.status == "open" for p in talks.promises):
            return "watch the promise to pay"
        return "wait for a proposal, a promise or a payment; without news, back to the cadence"


class OnPlanStage:
    """Watches each installment until its due date plus grace; a missed one breaks the plan."""

    def __init__(
        self, state: AccountState, keeper: PlanKeeper, store: StoreCall, events: Callable[[], int],
        active: Callable[[], bool],
    ) -> None:  # fmt: skip
        self._state, self._keeper, self._store, self._events = state, keeper, store, events
        self._active = active
        self._sender = ContactSender(state, store)

    async def run(self) -> None:
        state, policy = self._state, policy_of(self._state)
        plan = state.negotiation.plan
        assert plan is not None, "on_plan without a plan"
        while self._active() and (due := negotiation.next_installment(plan.offer.installments)) is not None:
            seen = self._events()
            await self._keeper.resolve_promises(workflow.now())
            deadline = min([negotiation.plan_deadline(due, policy), *self._keeper.promise_deadlines()])
            state.next_action = f"installment {due.number}: {due.amount_cents - due.paid_cents} cents by {due.due_date}"
            if workflow.now() >= deadline and negotiation.installment_broken(due, workflow.now(), policy):
                return await self._broken(plan, due.number)
            if workflow.now() < negotiation.reminder_at(due):
                deadline = min(deadline, negotiation.reminder_at(due))
            elif negotiation.needs_reminder(due, plan.reminded, workflow.now(), policy):
                wait_until = await self._remind(plan, due)
                if wait_until is None:
                    continue
                deadline = min(deadline, wait_until)
            state.next_action_at = deadline
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(changed_since(self._events, seen), timeout=deadline - workflow.now())
        if negotiation.next_installment(plan.offer.installments) is None:
            await self._completed(plan)

    async def _remind(self, plan: ActivePlan, installment: Installment) -> datetime | None:
        """Remind the debtor of a missed installment once, through the gate; when to ask again if it must wait."""
        state, policy, number = self._state, policy_of(self._state), installment.number
        if state.plan is None:  # started without a strategy: nothing may be sent
            plan.reminded.append(number)
            return None
        snapshot = await self._sender.contacts()
        decision = cadence.decide_reminder(
            state.plan, state.contact, snapshot, policy.reminder_channels, workflow.now(),
            useful_until=negotiation.plan_deadline(installment, policy),
        )  # fmt: skip
        if decision.kind == cadence.DecisionKind.WAIT and decision.at is not None:
            state.next_action = f"reminder of installment {number} ({decision.step.channel if decision.step else ''})"
            return decision.at
        if decision.kind == cadence.DecisionKind.SKIP and decision.step is not None:
            attempt_no = await self._sender.record_blocked(decision)
            cadence.remember_blocked(state.contact, decision, attempt_no=attempt_no, at=workflow.now())
        elif decision.kind == cadence.DecisionKind.SEND:
            sent = await self._sender.send(decision)
            if sent is None:
                return None
            attempt_no, happened = sent
            if happened.kind == cadence.DecisionKind.SEND:
                cadence.remember_sent(state.contact, happened, attempt_no=attempt_no, at=workflow.now())
            else:
                cadence.remember_blocked(state.contact, happened, attempt_no=attempt_no, at=workflow.now())
        plan.reminded.append(number)  # sent, or refused for good (no channel, cease): not asked again
        return None

    async def _broken(self, plan: ActivePlan, number: int) -> None:
        state, talks = self._state, self._state.negotiation
        for installment in plan.offer.installments:
            if installment.number == number:
                installment.status = InstallmentStatus.MISSED
        talks.installments_missed += 1
        talks.plan = None
        await self._store(
            NegotiationActivities.record_installments,
            RecordInstallmentsInput(state.account_id, plan.plan_no, plan.offer.installments, at=workflow.now()),
        )
        await self._store(
            NegotiationActivities.end_plan, EndPlanInput(state.account_id, plan.plan_no, "broken", at=workflow.now())
        )
        if negotiation.after_broken_plan(talks.renegotiations_used, policy_of(state)) == "renegotiate":
            talks.renegotiations_used += 1
            state.resume_stage = Stage.NEGOTIATING
        else:
            state.resume_stage = Stage.REFERRED

    async def _completed(self, plan: ActivePlan) -> None:
        state = self._state
        self._state.negotiation.plan = None
        if plan.offer.kind == OfferKind.SETTLEMENT:
            forgiven = max(0, state.balance_cents)
            await self._store(
                NegotiationActivities.settle_account,
                SettleAccountInput(state.account_id, plan.plan_no, forgiven, at=workflow.now()),
            )
            state.negotiation.forgiven_cents = forgiven
            state.balance_cents -= forgiven
            state.outcome = Stage.SETTLED
            return
        await self._store(
            NegotiationActivities.end_plan, EndPlanInput(state.account_id, plan.plan_no, "completed", at=workflow.now())
        )
        if state.balance_cents > 0:  # a plan for less than the balance (it grew): keep negotiating
            state.resume_stage = Stage.NEGOTIATING
