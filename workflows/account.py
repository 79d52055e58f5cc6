"""AccountCollectionsWorkflow: one durable workflow per past-due account, id `account-<id>`.

It interprets the account machine (domain/machine.py): each `Call` the machine yields becomes a store activity,
each `Wait` a timer raced against the inbox of signals and updates. The handlers only put events in the inbox
(updates first pass the same checks the machine makes, so a bad proposal never enters history); all business
logic is the machine's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.account_store import NON_RETRYABLE_ERRORS, AccountStoreActivities
    from activities.contact import ContactActivities
    from activities.holds import HoldActivities
    from activities.negotiation import NegotiationActivities
    from activities.referral import ReferralActivities
    from domain import lifecycle, machine
    from domain import workflow_contract as contract
    from domain.attention import needs_attention
    from domain.call_gate import CallGate, CallGateQuestion, call_gate
    from domain.commands import Call, Command, Context, Event, Refused, Wait
    from domain.creditor_messages import ChargeInput, CreditInput, CreditorRecallInput
    from domain.flows.negotiating import approval_problem, evaluate, proposal_problem
    from domain.inbound import InboundContactInput
    from domain.messages import (
        AccountState,
        AccountStatus,
        AccountWorkflowInput,
        AccountWorkflowResult,
        ContactOutcomeInput,
        ContactPreferenceChange,
        HoldInput,
        HoldReleaseInput,
        PaymentInput,
        ProbateInput,
    )
    from domain.negotiation_messages import (
        ApprovalInput,
        PlanProposal,
        PromiseInput,
        ProposalAnswer,
        ProposalDecision,
    )
    from domain.referral_messages import RecallInput
    from domain.reversal_messages import PaymentReversalInput

STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=NON_RETRYABLE_ERRORS,
)
"""Store activities retry until the store is back; only business refusals stop them."""
ACTIVITY_CLASSES = (
    AccountStoreActivities, ContactActivities, NegotiationActivities, ReferralActivities, HoldActivities,
)  # fmt: skip
ACTIVITIES: dict[str, Callable[..., Any]] = {
    name: getattr(cls, name) for cls in ACTIVITY_CLASSES for name in dir(cls) if not name.startswith("_")
}
"""A `Call`'s activity, by its method name."""
ATTENTION_PATCH = "needs-attention-search-attribute"
"""Runs recorded before the NeedsAttention attribute replay without its upserts.

The worked example of a guarded change (README, "Changing the workflow safely"): publishing the attribute
adds upsert commands, so a run started before it (no patch marker in its history) must not publish it, or
its replay no longer matches what it recorded. tests/replay proves both branches replay and that, without
the guard, a history recorded before the change does not. Cleanup, once no running workflow started before
the patch: `workflow.deprecate_patch(ATTENTION_PATCH)` and publish unconditionally (retire the histories in
tests/histories/before-attention/ then); once no running workflow started before that, drop the call.
"""


@workflow.defn(name=contract.WORKFLOW_TYPE)
class AccountCollectionsWorkflow:
    @workflow.init
    def __init__(self, request: AccountWorkflowInput) -> None:
        if request.state is not None:
            self.state: AccountState = request.state
        elif request.snapshot is not None:
            self.state = lifecycle.new_account_state(request.snapshot, workflow.now(), request.plan)
        else:
            raise ApplicationError("started without the account's snapshot", type="NoSnapshot", non_retryable=True)
        self._request = request
        self._inbox: list[Event] = []
        self._ctx = Context(self.state, workflow.now, workflow.logger.warning)
        self._published: dict[str, Any] = {}

    @workflow.run
    async def run(self, request: AccountWorkflowInput) -> AccountWorkflowResult:
        if request.state is not None:
            self.state.generation += 1
        self._with_attention = self._publishes_attention()
        self._published = _current_attributes()
        life = machine.life(self._ctx)
        answer: Any = None
        while True:
            try:
                command = life.send(answer)
            except StopIteration as closed:
                closing = closed.value
                break
            answer = await self._perform(command)
        self._publish()
        for event in self._inbox:  # arrived as the account closed: an update is answered, a signal only logged
            workflow.logger.warning("%s ignored: the account is closed", type(event.payload).__name__)
            event.answer, event.done = ProposalAnswer(ProposalDecision.REJECTED, "the account is closed", None), True
        await workflow.wait_condition(workflow.all_handlers_finished)
        return AccountWorkflowResult(request.account_id, closing, self.state.balance_cents, self.state.collected_cents)

    async def _perform(self, command: Command) -> Any:
        if isinstance(command, Wait):
            return await self._wait(command)
        return await self._call(command)

    async def _call(self, command: Call) -> Any:
        method = ACTIVITIES[command.activity]
        try:
            if command.local:
                return await workflow.execute_local_activity_method(
                    method, command.request, start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY
                )
            return await workflow.execute_activity_method(
                method, command.request, start_to_close_timeout=STORE_TIMEOUT, retry_policy=STORE_RETRY
            )
        except (ActivityError, ApplicationError) as err:  # a local activity's failure comes unwrapped
            cause = err.cause if isinstance(err, ActivityError) else err
            if not isinstance(cause, ApplicationError):
                if command.refusable:
                    return Refused(type(cause).__name__, str(cause))
                raise
            if command.refusable:
                return Refused(cause.type or "", cause.message)
            if cause.non_retryable:
                raise ApplicationError(cause.message, type=cause.type, non_retryable=True) from err
            raise

    async def _wait(self, command: Wait) -> list[Event]:
        """Until the command's time or the first event; the events, in arrival order. The search attributes
        are brought up to date first: once per wait, not per store write."""
        self._publish()
        if not self._inbox and self._history_full():
            await workflow.wait_condition(lambda: workflow.all_handlers_finished() or bool(self._inbox))
            if not self._inbox:
                workflow.continue_as_new(
                    AccountWorkflowInput(self.state.account_id, self.state, self._request.max_history_events)
                )
        if not self._inbox:
            timeout = max(timedelta(0), command.until - workflow.now()) if command.until else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: bool(self._inbox), timeout=timeout, timeout_summary=command.summary or None
                )
        arrived, self._inbox = self._inbox, []
        return arrived

    def _history_full(self) -> bool:
        info = workflow.info()
        return lifecycle.should_continue_as_new(
            history_length=info.get_current_history_length(),
            suggested=info.is_continue_as_new_suggested(),
            max_history_events=self._request.max_history_events,
        )

    def _publishes_attention(self) -> bool:
        """New runs publish NeedsAttention; runs recorded before the change replay without (ATTENTION_PATCH)."""
        return workflow.patched(ATTENTION_PATCH)

    def _publish(self) -> None:
        """Keep the search attributes equal to the state: one upsert of what changed, none otherwise.
        NeedsAttention goes in an upsert of its own, the command the patch guards (ATTENTION_PATCH)."""
        self._upsert_changed(_attributes(self.state))
        if self._with_attention:
            reasons = needs_attention(self.state)
            self._upsert_changed(
                [contract.NEEDS_ATTENTION.value_set(reasons) if reasons else contract.NEEDS_ATTENTION.value_unset()]
            )

    def _upsert_changed(self, updates: list[SearchAttributeUpdate[Any]]) -> None:
        changed = [update for update in updates if self._published.get(update.key.name) != update.value]
        if changed:
            workflow.upsert_search_attributes(changed)
            self._published.update({update.key.name: update.value for update in changed})

    # ---- events: into the inbox, in arrival order ----

    def _arrive(self, payload: Any) -> Event:
        event = Event(payload)
        self._inbox.append(event)
        return event

    @workflow.signal
    def payment(self, payment: PaymentInput) -> None:
        self._arrive(payment)

    @workflow.signal
    def payment_reversal(self, reversal: PaymentReversalInput) -> None:
        self._arrive(reversal)

    @workflow.signal
    def recall_placement(self, recall: RecallInput) -> None:
        self._arrive(recall)

    @workflow.signal
    def place_hold(self, hold: HoldInput) -> None:
        self._arrive(hold)

    @workflow.signal
    def release_hold(self, release: HoldReleaseInput) -> None:
        self._arrive(release)

    @workflow.signal
    def probate(self, probate: ProbateInput) -> None:
        self._arrive(probate)

    @workflow.signal
    def contact_outcome(self, report: ContactOutcomeInput) -> None:
        self._arrive(report)

    @workflow.signal
    def inbound_contact(self, contact: InboundContactInput) -> None:
        self._arrive(contact)

    @workflow.signal
    def contact_preference(self, change: ContactPreferenceChange) -> None:
        self._arrive(change)

    @workflow.signal
    def promise_to_pay(self, promise: PromiseInput) -> None:
        self._arrive(promise)

    @workflow.signal(name=contract.CHARGE_SIGNAL)
    def post_charge(self, charge: ChargeInput) -> None:
        self._arrive(charge)

    @workflow.signal(name=contract.CREDIT_SIGNAL)
    def post_credit(self, credit: CreditInput) -> None:
        self._arrive(credit)

    @workflow.signal(name=contract.CREDITOR_RECALL_SIGNAL)
    def creditor_recall(self, recall: CreditorRecallInput) -> None:
        self._arrive(recall)

    @workflow.update(name=contract.PROPOSE_PLAN_UPDATE)
    async def propose_plan(self, proposal: PlanProposal) -> ProposalAnswer:
        return await self._answer(proposal)

    @propose_plan.validator
    def _validate_proposal(self, proposal: PlanProposal) -> None:
        if problem := proposal_problem(self.state, proposal, evaluate(self._ctx, proposal)):
            raise ValueError(problem)

    @workflow.update(name=contract.DECIDE_APPROVAL_UPDATE)
    async def decide_approval(self, decision: ApprovalInput) -> ProposalAnswer:
        return await self._answer(decision)

    @decide_approval.validator
    def _validate_approval(self, decision: ApprovalInput) -> None:
        if problem := approval_problem(self.state, decision):
            raise ValueError(problem)

    async def _answer(self, payload: Any) -> ProposalAnswer:
        event = self._arrive(payload)
        await workflow.wait_condition(lambda: event.done)
        answer: ProposalAnswer = event.answer
        return answer

    @workflow.query(name=contract.STATUS_QUERY)
    def status(self) -> AccountStatus:
        return lifecycle.account_status(self.state, workflow.now())

    @workflow.query(name=contract.NEXT_CALL_QUERY)
    def next_call(self, question: CallGateQuestion) -> CallGate:
        return call_gate(self.state, question.at, question.point_id)


def _attributes(state: AccountState) -> list[SearchAttributeUpdate[Any]]:
    hold = state.holds[-1].kind.value if state.holds else ""
    return [
        contract.STAGE.value_set(state.stage.value),
        contract.BALANCE_CENTS.value_set(state.balance_cents),
        contract.HOLD_KIND.value_set(hold),
        contract.SEGMENT.value_set(state.segment),
        contract.DUE_DATE.value_set(lifecycle.due_datetime(state.due_date)),
    ]


def _current_attributes() -> dict[str, Any]:
    return {pair.key.name: pair.value for pair in workflow.info().typed_search_attributes}
