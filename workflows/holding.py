"""What holds do besides stopping the stages: claims, recalls, the verification letter, write-offs, probate."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contact import ContactActivities
    from activities.holds import HoldActivities
    from domain import cadence, holds, lifecycle
    from domain.contact import Channel, Purpose
    from domain.contact_messages import LoadContactSnapshotInput
    from domain.hold_messages import (
        AdjustBalanceInput,
        FileClaimInput,
        HoldRecordInput,
        RepresentativeInput,
        WriteOffInput,
    )
    from domain.messages import AccountState, Hold, HoldKind, HoldOutcome, HoldReleaseInput, ProbateInput
    from domain.stages import Stage
    from domain.strategy import CadenceStep
    from workflows.referred import recall_placement
    from workflows.sending import ContactSender

StoreCall = Callable[..., Awaitable[Any]]
RESUMING = (HoldOutcome.RESUME, HoldOutcome.VERIFIED, HoldOutcome.UPHELD)
VERIFICATION_LETTER = CadenceStep(
    channel=Channel.LETTER, template="verification", after_seconds=0, purpose=Purpose.VERIFICATION
)


class HoldKeeper:
    def __init__(self, state: AccountState, store: StoreCall) -> None:
        self._state, self._store = state, store

    async def placed(self, hold: Hold) -> None:
        """Record it; a bankruptcy or a death recalls the account from its agency; a bankruptcy files its claim."""
        state = self._state
        await self._record(hold, "placed", hold.detail)
        if holds.stops_placement(hold.kind):
            await recall_placement(state, self._store, f"{hold.kind} hold {hold.reference}")
        if hold.kind == HoldKind.BANKRUPTCY and state.balance_cents > 0:
            claim = FileClaimInput(
                state.account_id, hold.reference, holds.PROOF_OF_CLAIM, state.balance_cents,
                holds.bar_date(hold).isoformat(), at=workflow.now(),
            )  # fmt: skip
            await self._store(HoldActivities.file_claim, claim)

    async def release(self, hold: Hold, release: HoldReleaseInput) -> None:
        """Do what the outcome asks, then lift the hold: collection never restarts before that is done."""
        state, outcome = self._state, release.outcome
        if outcome in RESUMING:
            holds.keep_hold_time_off_the_clock(state, hold.placed_at, workflow.now())
        if outcome == HoldOutcome.VERIFIED:
            await self._send_letter(VERIFICATION_LETTER)  # before collection resumes (1006.38(d)(2)(i))
        if outcome == HoldOutcome.UPHELD:
            adjust = AdjustBalanceInput(
                state.account_id,
                hold.reference,
                holds.disputed_cents(hold, state.balance_cents),
                "dispute upheld",
                at=workflow.now(),
            )
            state.balance_cents = await self._store(HoldActivities.adjust_balance, adjust)
            if state.balance_cents <= 0:
                state.outcome = Stage.CLOSED
        if outcome in (HoldOutcome.DISCHARGE, HoldOutcome.WRITE_OFF):
            await self._write_off(f"{hold.kind} {outcome}")
        await self._record(hold, "released", {}, outcome=outcome.value)
        lifecycle.release_hold(state, HoldReleaseInput(hold.reference, outcome))
        if outcome == HoldOutcome.VERIFIED and state.contact.validation_notice_sent_at is None:
            # A dispute before the notice: the notice once the hold is lifted, within five business days of
            # the verification letter, the first communication (1006.34(a)(1)(i)(B)); never during the hold.
            await self._send_letter(cadence.VALIDATION_NOTICE_STEP)

    async def probate(self, probate: ProbateInput) -> None:
        """The estate's representative becomes the only contact; the claim against the estate is filed."""
        state = self._state
        hold = holds.hold_to_release(state, HoldReleaseInput(kind=HoldKind.DECEASED))
        if hold is None:
            workflow.logger.warning("probate ignored: no deceased hold on the account")
            return
        hold.detail.update(claims_deadline=probate.claims_deadline, representative=probate.representative)
        await self._record(hold, "updated", dict(hold.detail))
        await self._store(
            HoldActivities.add_representative,
            RepresentativeInput(
                state.account_id,
                hold.reference,
                probate.representative,
                probate.email,
                probate.phone,
                at=workflow.now(),
            ),
        )
        state.contacts = await self._store(
            ContactActivities.load_contact_snapshot, LoadContactSnapshotInput(state.account_id)
        )
        if state.balance_cents > 0:
            claim = FileClaimInput(
                state.account_id,
                hold.reference,
                holds.ESTATE_CLAIM,
                state.balance_cents,
                probate.claims_deadline,
                at=workflow.now(),
            )
            await self._store(HoldActivities.file_claim, claim)

    async def estate_paid(self) -> None:
        """The estate's payment settles the account: what it did not cover is written off."""
        state = self._state
        if state.balance_cents > 0:
            state.negotiation.forgiven_cents = await self._write_off("estate paid: the remainder is forgiven")
        state.outcome = Stage.SETTLED

    async def _write_off(self, reason: str) -> int:
        cents: int = await self._store(
            HoldActivities.write_off, WriteOffInput(self._state.account_id, reason, at=workflow.now())
        )
        self._state.balance_cents = 0
        return cents

    async def _send_letter(self, step: CadenceStep) -> None:
        """One letter through the gate, like every contact."""
        state = self._state
        if state.plan is None:
            return
        sender = ContactSender(state, self._store)
        snapshot = await sender.contacts()
        decision = cadence.clear_step(state.plan, state.contact, snapshot, step, workflow.now())
        sent = await sender.send(decision) if decision.kind == cadence.DecisionKind.SEND else None
        if sent is None or sent[1].kind != cadence.DecisionKind.SEND:
            workflow.logger.warning("%s letter not sent: %s", step.template, (sent[1] if sent else decision).rule)
            return
        cadence.remember_sent(state.contact, sent[1], attempt_no=sent[0], at=workflow.now())

    async def _record(self, hold: Hold, event: str, detail: dict[str, str], *, outcome: str | None = None) -> None:
        record = HoldRecordInput(
            self._state.account_id, hold.reference, hold.kind.value, event, detail, outcome, workflow.now()
        )
        await self._store(HoldActivities.record_hold, record)
