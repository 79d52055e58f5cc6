"""AccountCollectionsWorkflow: one durable workflow per past-due account, id `account-<id>`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

with workflow.unsafe.imports_passed_through():
    from activities.account_store import NON_RETRYABLE_ERRORS, AccountStoreActivities
    from activities.contact import ContactActivities
    from activities.negotiation import NegotiationActivities
    from activities.referral import ReferralActivities
    from domain import cadence, holds, inbound, lifecycle, negotiation, referral
    from domain.attention import needs_attention
    from domain.contact_messages import (
        ContactPreference,
        ContactPreferenceInput,
        LoadContactSnapshotInput,
        RecordOutcomeInput,
    )
    from domain.inbound import InboundContactInput, RecordInboundInput
    from domain.messages import (
        AccountSnapshot,
        AccountState,
        AccountStatus,
        AccountWorkflowInput,
        AccountWorkflowResult,
        ContactOutcomeInput,
        ContactPreferenceChange,
        HoldInput,
        HoldKind,
        HoldReleaseInput,
        LoadAccountInput,
        PaymentInput,
        ProbateInput,
        RecordPaymentInput,
        StageChangeInput,
    )
    from domain.negotiation_messages import (
        ApprovalInput,
        PendingApproval,
        PlanProposal,
        Promise,
        PromiseInput,
        ProposalAnswer,
        ProposalDecision,
    )
    from domain.plan_messages import RecordPromiseInput
    from domain.referral_messages import AccrueCommissionInput, RecallInput
    from domain.stages import Stage
    from workflows import search_attributes as sa
    from workflows.contacting import ContactingStage
    from workflows.holding import HoldKeeper
    from workflows.negotiating import NegotiatingStage, OnPlanStage, PlanKeeper, policy_of
    from workflows.referred import ReferredStage

STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=NON_RETRYABLE_ERRORS,
)
"""Store activities retry until the store is back; only business refusals stop them."""
ATTENTION_PATCH = "needs-attention-search-attribute"
"""Runs recorded before the NeedsAttention attribute replay without its upserts.

The worked example of a guarded change (README, "Changing the workflow safely"): the publisher adds upsert
commands, so a run started before it (no patch marker in its history) must not start it, or its replay no
longer matches what it recorded. tests/replay proves both branches replay and that, without the guard, a
history recorded before the change does not. Cleanup, once no running workflow started before the patch:
`workflow.deprecate_patch(ATTENTION_PATCH)` and start the publisher unconditionally (retire the histories
in tests/histories/before-attention/ then); once no running workflow started before that, drop the call.
"""
Request = TypeVar("Request")
Reply = TypeVar("Reply")


def is_cancellation(err: BaseException) -> bool:
    """A cancelled stage surfaces as CancelledError, or as the activity it was awaiting, cancelled."""
    if isinstance(err, ActivityError):
        return isinstance(err.cause, CancelledError)
    return isinstance(err, asyncio.CancelledError)


def workflow_id_for(account_id: str) -> str:
    return f"account-{account_id}"


@workflow.defn
class AccountCollectionsWorkflow:
    @workflow.init
    def __init__(self, request: AccountWorkflowInput) -> None:
        self._request = request
        self._state: AccountState | None = request.state
        if self._state is None and request.snapshot is not None:
            self._state = lifecycle.new_account_state(request.snapshot, workflow.now(), request.plan)
        self._store_lock = asyncio.Lock()
        self._event_count = 0
        self._attention: asyncio.Task[None] | None = None

    def _events(self) -> int:
        """Bumped by every event a waiting stage must react to (outcomes, preferences, payments, proposals)."""
        return self._event_count

    @property
    def _plans(self) -> PlanKeeper:
        return PlanKeeper(self.state, self._store)

    @property
    def state(self) -> AccountState:
        assert self._state is not None, "state is loaded before the first await"
        return self._state

    # ---- the run loop: stages as coroutines, holds interrupt them ----

    @workflow.run
    async def run(self, request: AccountWorkflowInput) -> AccountWorkflowResult:
        if self._state is None:
            snapshot = await self._load(request.account_id)
            self._state = lifecycle.new_account_state(snapshot, workflow.now(), request.plan)
        if self._publishes_attention():  # kept referenced: it runs as long as the workflow does
            self._attention = asyncio.create_task(self._publish_attention())
        if request.state is None:
            await self._enter(self.state.resume_stage, "workflow started")  # an early update may have moved it
        else:
            self._state.generation += 1

        while lifecycle.closing_stage(self.state) is None:
            if self._history_full():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if lifecycle.closing_stage(self.state) is None:
                    workflow.continue_as_new(
                        AccountWorkflowInput(request.account_id, self.state, request.max_history_events)
                    )
            elif self.state.holds:
                await self._hold()
            else:
                await self._work(self.state.resume_stage)

        await workflow.wait_condition(workflow.all_handlers_finished)
        closing = lifecycle.closing_stage(self.state)
        assert closing is not None
        await self._enter(closing, "account closed")
        return AccountWorkflowResult(request.account_id, closing, self.state.balance_cents, self.state.collected_cents)

    async def _load(self, account_id: str) -> AccountSnapshot:
        try:
            return await self._store(AccountStoreActivities.load_account, LoadAccountInput(account_id))
        except ActivityError as err:
            if isinstance(err.cause, ApplicationError) and err.cause.type == "UnknownAccount":
                raise ApplicationError(err.cause.message, type="UnknownAccount", non_retryable=True) from err
            raise

    async def _work(self, stage: Stage) -> None:
        """Run a working stage until it ends or something interrupts it (hold, close, history)."""
        if self.state.stage != stage:
            await self._enter(stage, "resumed" if self.state.stage == Stage.ON_HOLD else "stage")
        task = asyncio.create_task(self._stage_coroutine(stage)())
        await workflow.wait_condition(lambda: task.done() or not self._active(stage))
        if not task.done():
            # Cancel, and wake it: a cancel that races a wake-up can be swallowed (Python 3.11's
            # wait_for), so every stage loop also stops by itself once it is no longer active.
            task.cancel()
            self._event_count += 1
            await workflow.wait_condition(task.done)
        if task.cancelled():
            return
        try:
            task.result()
        except (asyncio.CancelledError, ActivityError) as err:
            if not is_cancellation(err):
                raise

    def _still(self, stage: Stage) -> Callable[[], bool]:
        return lambda: self._active(stage)

    def _active(self, stage: Stage) -> bool:
        """Whether `stage` should still be running: not interrupted and still the stage to be in."""
        return not self._interrupted() and self.state.resume_stage == stage

    async def _hold(self) -> None:
        if self.state.stage != Stage.ON_HOLD:
            await self._enter(
                Stage.ON_HOLD, f"hold: {self.state.holds[-1].kind}", next_action="wait for the hold to end"
            )
        await workflow.wait_condition(
            lambda: not self.state.holds or lifecycle.closing_stage(self.state) is not None or self._history_full()
        )

    def _interrupted(self) -> bool:
        return bool(self.state.holds) or lifecycle.closing_stage(self.state) is not None or self._history_full()

    def _history_full(self) -> bool:
        info = workflow.info()
        return lifecycle.should_continue_as_new(
            history_length=info.get_current_history_length(),
            suggested=info.is_continue_as_new_suggested(),
            max_history_events=self._request.max_history_events,
        )

    def _stage_coroutine(self, stage: Stage) -> Callable[[], Coroutine[Any, Any, None]]:
        """The coroutine that works `stage`; only the one needed is built."""
        match stage:
            case Stage.CONTACTING:
                return self._contacting
            case Stage.NEGOTIATING:
                return NegotiatingStage(self.state, self._plans, self._events, self._still(stage)).run
            case Stage.ON_PLAN:
                return OnPlanStage(self.state, self._plans, self._store, self._events, self._still(stage)).run
            case Stage.REFERRED:
                return ReferredStage(self.state, self._store, self._events, self._still(stage)).run
            case _:
                return self._review_loop

    async def _contacting(self) -> None:
        if self.state.plan is None:  # started without a strategy: nothing may be sent
            return await self._review_loop()
        active = self._still(Stage.CONTACTING)
        await ContactingStage(self.state, self.state.plan, self._store, self._events, active).run()

    async def _review_loop(self) -> None:
        """The frame's stage body: a daily review of the account, resumable after a hold."""
        stage = self.state.stage
        while self._active(stage):
            self.state.next_action = f"review ({self.state.stage})"
            self.state.next_action_at = lifecycle.next_review_at(workflow.now())
            await workflow.sleep(self.state.next_action_at - workflow.now(), summary="daily review")

    async def _enter(self, stage: Stage, reason: str, *, next_action: str | None = None) -> None:
        previous = self.state.stage if self.state.stage_changes else None
        self.state.stage = stage
        self.state.next_action, self.state.next_action_at = next_action, None
        if stage.is_working:
            self.state.resume_stage = stage
        self.state.stage_changes += 1
        self._upsert_search_attributes()
        await self._store(
            AccountStoreActivities.record_stage_change,
            StageChangeInput(
                self.state.account_id, previous, stage, self.state.stage_changes, reason, at=workflow.now()
            ),
        )

    def _upsert_search_attributes(self) -> None:
        hold = self.state.holds[-1].kind.value if self.state.holds else ""
        workflow.upsert_search_attributes(
            [
                sa.STAGE.value_set(self.state.stage.value),
                sa.BALANCE_CENTS.value_set(self.state.balance_cents),
                sa.HOLD_KIND.value_set(hold),
                sa.SEGMENT.value_set(self.state.segment),
                sa.DUE_DATE.value_set(lifecycle.due_datetime(self.state.due_date)),
            ]
        )

    def _publishes_attention(self) -> bool:
        """New runs publish NeedsAttention; runs recorded before the change replay without (ATTENTION_PATCH)."""
        return workflow.patched(ATTENTION_PATCH)

    async def _publish_attention(self) -> None:
        """Keep `NeedsAttention` equal to domain.attention's answer: one upsert per change, none otherwise."""
        published = list(workflow.info().typed_search_attributes.get(sa.NEEDS_ATTENTION) or [])
        while True:
            await workflow.wait_condition(self._attention_differs_from(published))
            published = needs_attention(self.state)
            update = sa.NEEDS_ATTENTION.value_set(published) if published else sa.NEEDS_ATTENTION.value_unset()
            workflow.upsert_search_attributes([update])

    def _attention_differs_from(self, published: list[str]) -> Callable[[], bool]:
        return lambda: needs_attention(self.state) != published

    # ---- events ----

    @workflow.signal
    async def payment(self, payment: PaymentInput) -> None:
        if problem := lifecycle.payment_problem(payment):
            workflow.logger.warning("payment ignored: %s", problem)
            return
        await workflow.wait_condition(lambda: self._state is not None)
        if lifecycle.is_duplicate_payment(self.state, payment.reference):
            workflow.logger.info("duplicate payment reference %s ignored", payment.reference)
            return
        lifecycle.remember_payment_reference(self.state, payment.reference)
        try:
            recorded = await self._store(
                AccountStoreActivities.record_payment,
                RecordPaymentInput(
                    self.state.account_id,
                    payment.reference,
                    payment.amount_cents,
                    payment.received_on,
                    payment.source,
                    at=workflow.now(),
                ),
            )
        except ActivityError as err:
            # Only refusals end the retries (a reference owned by another account, an amount past the
            # store's ceiling, data the database refuses; audited `payment.refused`): nothing changes here.
            workflow.logger.error("payment %s refused by the store: %s", payment.reference, err.cause)
            return
        lifecycle.apply_recorded_payment(
            self.state,
            amount_cents=payment.amount_cents,
            applied=recorded.applied,
            balance_cents=recorded.balance_cents,
        )
        workflow.upsert_search_attributes([sa.BALANCE_CENTS.value_set(self.state.balance_cents)])
        if recorded.applied:
            await self._plans.apply_payment(payment.amount_cents)
            await self._plans.resolve_promises(workflow.now())  # a promise the payment covers is kept now
            await self._credit_placement(payment)
            if payment.source == holds.ESTATE_SOURCE and any(h.kind == HoldKind.DECEASED for h in self.state.holds):
                await self._holds.estate_paid()
            self._event_count += 1

    async def _credit_placement(self, payment: PaymentInput) -> None:
        """A payment while placed restarts the recall clock; the agency's own report earns its commission."""
        placement = self.state.referral.placement
        if placement is None:
            return
        placement.last_paid_at = workflow.now()
        if payment.source == referral.agency_source(placement.agency_id):
            await self._store(
                ReferralActivities.accrue_commission,
                AccrueCommissionInput(self.state.account_id, payment.reference, at=workflow.now()),
            )

    @workflow.signal
    async def recall_placement(self, recall: RecallInput) -> None:
        await workflow.wait_condition(lambda: self._state is not None)
        if self.state.referral.placement is None:
            workflow.logger.warning("recall ignored: the account is not placed")
            return
        self.state.referral.recall_requested = recall.reason
        self._event_count += 1

    @workflow.signal
    async def place_hold(self, hold: HoldInput) -> None:
        await workflow.wait_condition(lambda: self._state is not None)
        if problem := holds.hold_problem(hold, workflow.now().date()):
            workflow.logger.warning("hold ignored: %s", problem)
            return
        if self.state.stage.is_terminal or not lifecycle.place_hold(self.state, hold, workflow.now()):
            return
        await self._holds.placed(self.state.holds[-1])

    @workflow.signal
    async def release_hold(self, release: HoldReleaseInput) -> None:
        await workflow.wait_condition(lambda: self._state is not None)
        hold = holds.hold_to_release(self.state, release)
        if hold is None:
            workflow.logger.warning("no hold %s to release", release.reference or release.kind)
            return
        await self._holds.release(hold, release)

    @workflow.signal
    async def probate(self, probate: ProbateInput) -> None:
        await workflow.wait_condition(lambda: self._state is not None)
        await self._holds.probate(probate)

    @property
    def _holds(self) -> HoldKeeper:
        return HoldKeeper(self.state, self._store)

    async def _store(self, activity: Callable[[Any, Request], Awaitable[Reply]], request: Request) -> Reply:
        """One store activity at a time, in the order the workflow decided them."""
        async with self._store_lock:
            return await workflow.execute_activity_method(
                activity, request, start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY
            )

    @workflow.signal
    async def contact_outcome(self, report: ContactOutcomeInput) -> None:
        await workflow.wait_condition(lambda: self._state is not None and self.state.contacts is not None)
        assert self.state.contacts is not None
        record = cadence.apply_outcome(
            self.state.contact, self.state.contacts, attempt_no=report.attempt_no, outcome=report.outcome,
            at=workflow.now(),
        )  # fmt: skip
        if record is None:
            workflow.logger.warning("outcome for unknown attempt %s ignored", report.attempt_no)
            return
        self._event_count += 1
        await self._store(
            ContactActivities.record_contact_outcome,
            RecordOutcomeInput(self.state.account_id, report.attempt_no, report.outcome, at=workflow.now()),
        )

    @workflow.signal
    async def inbound_contact(self, contact: InboundContactInput) -> None:
        """A contact the consumer started, in any stage: the gate reads it from the contact history at once
        (a telephone conversation starts the quiet period, 1006.14(b)(2)(i)(B); consent to calls,
        1006.14(b)(3)(i)); stored once per inbound id."""
        await workflow.wait_condition(lambda: self._state is not None)
        if problem := inbound.inbound_problem(contact, now=workflow.now()):
            workflow.logger.warning("inbound contact ignored: %s", problem)
            return
        if self.state.stage.is_terminal:
            return
        record = cadence.record_inbound(
            self.state.contact, inbound_id=contact.inbound_id, channel=contact.channel, outcome=contact.outcome,
            at=contact.at, point_id=contact.point_id, consent_to_calls=contact.consent_to_calls,
        )  # fmt: skip
        if record is None:
            workflow.logger.info("inbound contact %s already recorded", contact.inbound_id)
            return
        self._event_count += 1
        await self._store(
            ContactActivities.record_inbound_contact,
            RecordInboundInput(self.state.account_id, record.attempt_no, contact, at=workflow.now()),
        )

    @workflow.signal
    async def contact_preference(self, change: ContactPreferenceChange) -> None:
        """Effective at once: the cadence re-asks the gate before anything else is sent."""
        await workflow.wait_condition(lambda: self._state is not None)
        reloads = (ContactPreference.ATTORNEY, ContactPreference.ATTORNEY_ALLOWS_CONTACT)  # recorded in the store
        if change.kind in reloads or self.state.contacts is None:
            self.state.contacts = await self._store(
                ContactActivities.load_contact_snapshot, LoadContactSnapshotInput(self.state.account_id)
            )
        contacts = self.state.contacts
        assert contacts is not None
        if change.kind == ContactPreference.CEASE:
            contacts.cease_communication = True
        elif change.kind == ContactPreference.OPT_OUT:
            lifecycle.opt_out(contacts, point_id=change.point_id, channel=change.channel)
        self._event_count += 1
        if change.kind not in reloads:
            await self._store(
                ContactActivities.apply_contact_preference,
                ContactPreferenceInput(
                    self.state.account_id, change.kind.value, change.point_id, change.channel, at=workflow.now()
                ),
            )

    # ---- negotiation: updates answer at once; a rejected proposal never enters history ----

    @workflow.update
    async def propose_plan(self, proposal: PlanProposal) -> ProposalAnswer:
        answer = self._evaluate(proposal)
        if answer.decision == ProposalDecision.ACCEPTED and answer.offer is not None:
            await self._plans.accept(answer.offer, proposed_by=proposal.proposed_by, approved_by=None, role=None)
        elif answer.decision == ProposalDecision.PENDING_APPROVAL and answer.offer is not None:
            policy = policy_of(self.state)
            now = workflow.now()
            self.state.negotiation.pending = PendingApproval(
                answer.offer,
                proposal,
                answer.required_role or "",
                now,
                now + timedelta(hours=policy.approval_expires_hours),
            )
            if self.state.resume_stage == Stage.CONTACTING:
                self.state.resume_stage = Stage.NEGOTIATING
        self._event_count += 1
        return answer

    @propose_plan.validator
    def _validate_proposal(self, proposal: PlanProposal) -> None:
        if self._state is None:
            raise ValueError("the account is still loading; try again")
        if self.state.stage.is_terminal:
            raise ValueError("the account is closed")
        if self.state.holds:
            raise ValueError(f"the account is on hold ({self.state.holds[-1].kind}): no plan can be agreed")
        if self.state.negotiation.pending is not None:
            raise ValueError("a proposal already awaits approval: approve or decline it first")
        answer = self._evaluate(proposal)
        if answer.decision == ProposalDecision.REJECTED:
            raise ValueError(answer.reason)

    def _evaluate(self, proposal: PlanProposal) -> ProposalAnswer:
        return negotiation.evaluate_proposal(
            proposal, self.state.balance_cents, policy_of(self.state), workflow.now().date()
        )

    @workflow.update
    async def decide_approval(self, decision: ApprovalInput) -> ProposalAnswer:
        pending = self.state.negotiation.pending
        assert pending is not None
        if decision.approve:
            await self._plans.accept(
                pending.offer,
                proposed_by=pending.proposal.proposed_by,
                approved_by=decision.approver,
                role=decision.role,
            )
            answer = ProposalAnswer(ProposalDecision.ACCEPTED, f"approved by {decision.approver}", pending.offer)
        else:
            self.state.negotiation.pending = None
            answer = ProposalAnswer(ProposalDecision.REJECTED, f"declined by {decision.approver}", pending.offer)
        self._event_count += 1
        return answer

    @decide_approval.validator
    def _validate_approval(self, decision: ApprovalInput) -> None:
        if self._state is None or self.state.negotiation.pending is None:
            raise ValueError("nothing awaits approval on this account")
        if not decision.approver.strip():
            raise ValueError("the approver's name is required")
        if decision.approve and (refusal := negotiation.may_approve(
            decision.role, self.state.negotiation.pending.offer, policy_of(self.state)
        )):  # fmt: skip
            raise ValueError(refusal)

    @workflow.signal
    async def promise_to_pay(self, promise: PromiseInput) -> None:
        await workflow.wait_condition(lambda: self._state is not None)
        problem = negotiation.validate_promise(
            promise, self.state.balance_cents, workflow.now().date(), policy_of(self.state)
        )
        if problem is not None:
            workflow.logger.warning("promise ignored: %s", problem)
            return
        talks = self.state.negotiation
        talks.promises_made += 1
        talks.promises.append(
            Promise(promise.amount_cents, promise.due_date, workflow.now(), self.state.collected_cents)
        )
        if self.state.resume_stage == Stage.CONTACTING:
            self.state.resume_stage = Stage.NEGOTIATING
        self._event_count += 1
        await self._store(
            NegotiationActivities.record_promise,
            RecordPromiseInput(
                self.state.account_id, talks.promises_made, promise.amount_cents, promise.due_date, at=workflow.now()
            ),
        )

    @workflow.query
    def status(self) -> AccountStatus:
        if self._state is None:
            raise ApplicationError("the account is still loading from the store; ask again")
        return lifecycle.account_status(self.state, workflow.now())
