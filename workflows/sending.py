"""Sending one contact the gate cleared: shared by the cadence and the plan reminders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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

StoreCall = Callable[..., Awaitable[Any]]


class ContactSender:
    def __init__(self, state: AccountState, store: StoreCall) -> None:
        self._state, self._store = state, store

    async def contacts(self) -> ContactSnapshot:
        """The account's contact points and flags, loaded from the store once per run."""
        if self._state.contacts is None:
            self._state.contacts = await self._store(
                ContactActivities.load_contact_snapshot, LoadContactSnapshotInput(self._state.account_id)
            )
        return self._state.contacts

    async def send(self, decision: cadence.ContactDecision) -> tuple[int, cadence.ContactDecision] | None:
        """Send; the attempt number and what happened (SEND, or SKIP with the store's rule), or None to ask again."""
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
            return None
        if result.status == AttemptStatus.BLOCKED:
            refused = cadence.ContactDecision(
                cadence.DecisionKind.SKIP, decision.step, decision.point, now, result.rule
            )
            return attempt_no, refused
        if period_end is not None:
            progress.validation_period_end = period_end
        state.attempts_count += 1
        return attempt_no, decision

    async def record_blocked(self, decision: cadence.ContactDecision) -> int:
        """Record a contact the gate refused; its attempt number."""
        assert decision.step is not None and decision.rule is not None
        attempt_no = cadence.next_attempt_no(self._state.contact)
        await self._store(
            ContactActivities.record_blocked_attempt,
            RecordBlockedInput(
                self._state.account_id, attempt_no, decision.step.channel,
                decision.point.point_id if decision.point else None, decision.rule, workflow.now(),
            ),
        )  # fmt: skip
        return attempt_no
