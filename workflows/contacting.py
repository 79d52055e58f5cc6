"""The `contacting` stage: work the account through its cadence, every contact cleared by the gate."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, CancelledError

with workflow.unsafe.imports_passed_through():
    from activities.contact import ContactActivities
    from domain import cadence
    from domain.compliance import validation_period_end
    from domain.contact_messages import (
        AttemptStatus,
        ContactSnapshot,
        LoadContactSnapshotInput,
        RecordBlockedInput,
        SendContactInput,
    )
    from domain.messages import AccountState
    from domain.strategy import ContactPlan

StoreCall = Callable[..., Awaitable[Any]]


class ContactingStage:
    """Runs until the account passes an exit threshold; then sets the stage to resume in and returns.

    Cancelled at once by a hold; started again afterwards, it continues from `state.contact`.
    """

    def __init__(
        self, state: AccountState, plan: ContactPlan, store: StoreCall, events: Callable[[], int],
        active: Callable[[], bool],
    ) -> None:  # fmt: skip
        self._state, self._plan, self._store, self._events, self._active = state, plan, store, events, active

    async def run(self) -> None:
        state, progress = self._state, self._state.contact
        if state.contacts is None:
            state.contacts = await self._store(
                ContactActivities.load_contact_snapshot, LoadContactSnapshotInput(state.account_id)
            )
        while self._active():
            if (leave_for := self._exit_stage()) is not None:
                state.resume_stage = leave_for
                return
            seen = self._events()
            decision = cadence.decide_contact(
                self._plan, progress, self._snapshot(), started_at=state.opened_at, due_date=state.due_date,
                now=workflow.now(),
            )  # fmt: skip
            if cadence.needs_blocked_record(progress, decision):
                await self._record_blocked(decision)
                continue
            if decision.kind == cadence.DecisionKind.SEND:
                await self._send(decision)
                continue
            await self._wait(decision, seen)

    def _snapshot(self) -> ContactSnapshot:
        assert self._state.contacts is not None
        return self._state.contacts

    def _exit_stage(self) -> Any:
        return cadence.exit_stage(self._plan, self._state.contact, due_date=self._state.due_date, now=workflow.now())

    async def _send(self, decision: cadence.ContactDecision) -> None:
        state, progress = self._state, self._state.contact
        assert decision.step is not None and decision.point is not None
        attempt_no = cadence.next_attempt_no(progress)
        now = workflow.now()
        period_end = validation_period_end(now).isoformat() if decision.step.validation_notice else None
        request = SendContactInput(
            state.account_id, attempt_no, decision.step.channel, decision.point.point_id,
            decision.step.template, decision.step.validation_notice, period_end, at=now,
        )  # fmt: skip
        try:
            result = await self._store(ContactActivities.send_contact, request)
        except ActivityError as err:
            if isinstance(err.cause, CancelledError):
                raise
            workflow.logger.warning("attempt %s not sent, the gate decides again: %s", attempt_no, err.cause)
            return
        if result.status == AttemptStatus.BLOCKED:
            refused = cadence.ContactDecision(
                cadence.DecisionKind.SKIP, decision.step, decision.point, now, result.rule
            )
            cadence.record_blocked(self._plan, progress, refused, attempt_no=attempt_no, at=now)
            return
        if period_end is not None:
            progress.validation_period_end = period_end
        cadence.record_sent(self._plan, progress, decision, attempt_no=attempt_no, at=now)
        state.attempts_count += 1

    async def _record_blocked(self, decision: cadence.ContactDecision) -> None:
        state, progress = self._state, self._state.contact
        assert decision.step is not None and decision.rule is not None
        attempt_no = cadence.next_attempt_no(progress)
        await self._store(
            ContactActivities.record_blocked_attempt,
            RecordBlockedInput(
                state.account_id, attempt_no, decision.step.channel,
                decision.point.point_id if decision.point else None, decision.rule, workflow.now(),
            ),
        )  # fmt: skip
        cadence.record_blocked(self._plan, progress, decision, attempt_no=attempt_no, at=workflow.now())

    async def _wait(self, decision: cadence.ContactDecision, seen: int) -> None:
        """Sleep until the decision's time, a referral date or an event, whichever comes first."""
        wake_times = [t for t in (decision.at, cadence.referral_due_at(self._plan, self._state.due_date)) if t]
        wake_at: datetime | None = min(wake_times) if wake_times else None
        self._state.next_action = _describe(decision)
        self._state.next_action_at = wake_at
        timeout = (wake_at - workflow.now()) if wake_at else None
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: self._events() != seen, timeout=timeout)


def _describe(decision: cadence.ContactDecision) -> str:
    if decision.kind == cadence.DecisionKind.HALT:
        return "no contact: the debtor asked to cease communication"
    if decision.kind == cadence.DecisionKind.DONE:
        return "cadence complete: waiting for a threshold or an event"
    assert decision.step is not None
    what = f"{decision.step.channel} ({decision.step.template})"
    return f"{what}, held by {decision.rule}" if decision.rule else what
