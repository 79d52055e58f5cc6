"""The `contacting` stage: work the account through its cadence, every contact cleared by the gate."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import cadence
    from domain.contact_messages import ContactSnapshot
    from domain.messages import AccountState
    from domain.strategy import ContactPlan
    from workflows.sending import ContactSender

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
        self._sender = ContactSender(state, store)

    async def run(self) -> None:
        state, progress = self._state, self._state.contact
        await self._sender.contacts()
        while self._active():
            if (leave_for := self._exit_stage()) is not None:
                state.resume_stage = leave_for
                return
            seen = self._events()
            cadence.pass_sent_notice(self._plan, progress)
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
        sent = await self._sender.send(decision)
        if sent is None:
            return
        attempt_no, happened = sent
        if happened.kind == cadence.DecisionKind.SKIP:
            cadence.record_blocked(self._plan, self._state.contact, happened, attempt_no=attempt_no, at=workflow.now())
        else:
            cadence.record_sent(self._plan, self._state.contact, happened, attempt_no=attempt_no, at=workflow.now())

    async def _record_blocked(self, decision: cadence.ContactDecision) -> None:
        attempt_no = await self._sender.record_blocked(decision)
        cadence.record_blocked(self._plan, self._state.contact, decision, attempt_no=attempt_no, at=workflow.now())

    async def _wait(self, decision: cadence.ContactDecision, seen: int) -> None:
        """Sleep until the decision's time, a referral date or an event, whichever comes first."""
        referral_at = cadence.referral_due_at(self._plan, self._state.contact, self._state.due_date)
        wake_times = [t for t in (decision.at, referral_at) if t]
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
