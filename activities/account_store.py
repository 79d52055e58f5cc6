"""Activities that read and write the account store. Each write carries an idempotency key."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.support import STORE_REFUSED, bound_logger, decided_at, store_activity
from domain.creditor_messages import CreditorEntryRecorded, RecordCreditorEntryInput
from domain.messages import (
    AccountSnapshot,
    LoadAccountInput,
    PaymentRecorded,
    RecordPaymentInput,
    StageChangeInput,
)
from domain.reversal_messages import RecordReversalInput, ReversalRecorded
from service import metrics
from service.state_documents import state_document
from store import creditor, repository, reversals
from store.errors import AmountOutOfRange, DuplicateReference, UnknownAccount
from store.failures import one_line, store_refused

NON_RETRYABLE_ERRORS = ["UnknownAccount", "DuplicateReference", "AmountOutOfRange", STORE_REFUSED]
"""Refusals: retrying cannot help (each is also raised non-retryable; this list says so in the retry policy)."""


class AccountStoreActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn
    @store_activity
    async def load_account(self, request: LoadAccountInput) -> AccountSnapshot:
        async with self._sessions() as session:
            account = await repository.get_account(session, request.account_id)
        if account is None:
            raise UnknownAccount(f"unknown account {request.account_id}")
        return AccountSnapshot(
            account_id=account.account_id,
            balance_cents=account.balance_cents,
            currency=account.currency,
            due_date=account.due_date.isoformat(),
            segment=account.segment,
        )

    @activity.defn
    @store_activity
    async def record_payment(self, request: RecordPaymentInput) -> PaymentRecorded:
        logger = bound_logger(request.account_id)
        try:
            async with self._sessions() as session, session.begin():
                outcome = await repository.record_payment(
                    session,
                    account_id=request.account_id,
                    reference=request.reference,
                    amount_cents=request.amount_cents,
                    received_on=date.fromisoformat(request.received_on),
                    source=request.source,
                    now=decided_at(request.at),
                )
                if outcome.applied and (plan := request.installments) is not None:
                    await repository.record_installments(
                        session, account_id=plan.account_id, plan_no=plan.plan_no, installments=plan.installments,
                        now=decided_at(request.at),
                    )  # fmt: skip
        except UnknownAccount as err:
            logger.warning("payment.refused", reference=request.reference, error=str(err))
            raise
        except (DuplicateReference, AmountOutOfRange) as err:
            logger.warning("payment.refused", reference=request.reference, error=str(err))
            await self._audit_refused_payment(request, str(err))
            raise
        except Exception as err:
            if store_refused(err):  # never retried (store_activity): the account's audit log says why
                await self._audit_refused_payment(request, one_line(err))
            raise
        if outcome.applied:  # committed, and new: a retry or a reference seen before is not applied again
            metrics.payment_applied(request.amount_cents)
        logger.info(
            "payment.recorded" if outcome.applied else "payment.duplicate",
            reference=request.reference,
            amount_cents=request.amount_cents,
            balance_cents=outcome.balance_cents,
        )
        return PaymentRecorded(applied=outcome.applied, balance_cents=outcome.balance_cents)

    async def _audit_refused_payment(self, request: RecordPaymentInput, error: str) -> None:
        """`payment.refused` in the account's audit log (its timeline): not recorded, and the store's reason."""
        detail = {
            "reference": request.reference, "amount_cents": request.amount_cents,
            "received_on": request.received_on, "error": error,
        }  # fmt: skip
        key = "payment-refused:" + hashlib.sha256(request.reference.encode()).hexdigest()[:40]
        try:
            async with self._sessions() as session, session.begin():
                await repository.append_audit(
                    session, account_id=request.account_id, action="payment.refused", detail=detail,
                    actor="workflow", now=decided_at(request.at), idempotency_key=key,
                )  # fmt: skip
        except Exception as err:  # the refusal stands either way; the log line keeps it
            bound_logger(request.account_id).warning("payment.refusal_not_audited", error=one_line(err))

    @activity.defn
    @store_activity
    async def record_creditor_entry(self, request: RecordCreditorEntryInput) -> CreditorEntryRecorded:
        """A creditor's charge or credit, once per (account, reference), audited under `entered_by`."""
        async with self._sessions() as session, session.begin():
            outcome = await creditor.record_creditor_entry(
                session, account_id=request.account_id, kind=request.kind, reference=request.reference,
                amount_cents=request.amount_cents, entered_by=request.entered_by, now=decided_at(request.at),
                service_date=None if request.service_date is None else date.fromisoformat(request.service_date),
                description=request.description,
            )  # fmt: skip
        bound_logger(request.account_id).info(  # no description: a medical service line is health data
            "creditor.recorded" if outcome.applied else "creditor.duplicate",
            kind=request.kind, reference=request.reference, amount_cents=request.amount_cents,
            balance_cents=outcome.balance_cents,
        )  # fmt: skip
        return CreditorEntryRecorded(applied=outcome.applied, balance_cents=outcome.balance_cents)

    @activity.defn
    @store_activity
    async def record_stage_change(self, request: StageChangeInput) -> StageChangeInput:
        """Returns what it recorded: the change is then in the history's local-activity marker (the timeline)."""
        async with self._sessions() as session, session.begin():
            closing = None if request.closing_state is None else state_document(request.closing_state)
            changed = await repository.set_stage(
                session,
                account_id=request.account_id,
                stage=request.to_stage,
                closing_state=closing,
                idempotency_key=f"stage:{request.account_id}:{request.sequence}",
                detail={
                    "from": request.from_stage.value if request.from_stage else None,
                    "to": request.to_stage.value,
                    "reason": request.reason,
                },
                now=decided_at(request.at),
            )
            if changed and request.completed_plan_no is not None:
                await repository.end_plan(
                    session, account_id=request.account_id, plan_no=request.completed_plan_no, status="completed",
                    now=decided_at(request.at),
                )  # fmt: skip
        bound_logger(request.account_id).info(
            "stage.changed" if changed else "stage.already_recorded",
            from_stage=request.from_stage,
            to_stage=request.to_stage,
        )
        return replace(request, closing_state=None)  # the timeline reads the marker: the state stays out of it

    @activity.defn
    @store_activity
    async def record_reversal(self, request: RecordReversalInput) -> ReversalRecorded:
        """The reversal, the installments and promises it reopens, and a completed plan active again: one
        transaction."""
        logger = bound_logger(request.account_id)
        now, because = decided_at(request.at), f"reversal:{request.reference}"
        async with self._sessions() as session, session.begin():
            outcome = await reversals.record_reversal(
                session, account_id=request.account_id, payment_reference=request.payment_reference,
                reference=request.reference, reason=str(request.reason), amount_cents=request.amount_cents,
                return_code=request.return_code, now=now,
            )  # fmt: skip
            if outcome.applied and (plan := request.installments) is not None:
                await repository.reopen_plan(
                    session, account_id=plan.account_id, plan_no=plan.plan_no, reason=because, now=now
                )
                await repository.record_installments(
                    session, account_id=plan.account_id, plan_no=plan.plan_no, installments=plan.installments, now=now
                )
            if outcome.applied and request.reopened_promises:
                await repository.reopen_promises(
                    session, account_id=request.account_id, numbers=request.reopened_promises, reason=because, now=now
                )
        logger.info(
            "payment.reversed" if outcome.applied else "payment.reversal_duplicate",
            reference=request.reference, payment_reference=request.payment_reference,
            amount_cents=outcome.amount_cents, balance_cents=outcome.balance_cents,
        )  # fmt: skip
        return ReversalRecorded(outcome.applied, outcome.amount_cents, outcome.balance_cents, outcome.clawback_cents)

    def all(self) -> list:
        return [
            self.load_account, self.record_payment, self.record_creditor_entry, self.record_stage_change,
            self.record_reversal,
        ]  # fmt: skip
