"""Activities that read and write the account store. Each write carries an idempotency key."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.support import STORE_REFUSED, bound_logger, refusal, store_activity
from domain.messages import (
    AccountSnapshot,
    LoadAccountInput,
    PaymentRecorded,
    RecordPaymentInput,
    StageChangeInput,
)
from service import metrics
from store import repository
from store.errors import DuplicateReference, UnknownAccount

NON_RETRYABLE_ERRORS = ["UnknownAccount", "DuplicateReference", STORE_REFUSED]
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
            raise refusal(UnknownAccount(f"unknown account {request.account_id}"))
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
                    now=datetime.now(UTC),
                )
        except (UnknownAccount, DuplicateReference) as err:
            logger.warning("payment.refused", reference=request.reference, error=str(err))
            raise refusal(err) from err
        if outcome.applied:  # committed, and new: a retry or a reference seen before is not applied again
            metrics.payment_applied(request.amount_cents)
        logger.info(
            "payment.recorded" if outcome.applied else "payment.duplicate",
            reference=request.reference,
            amount_cents=request.amount_cents,
            balance_cents=outcome.balance_cents,
        )
        return PaymentRecorded(applied=outcome.applied, balance_cents=outcome.balance_cents)

    @activity.defn
    @store_activity
    async def record_stage_change(self, request: StageChangeInput) -> None:
        async with self._sessions() as session, session.begin():
            changed = await repository.set_stage(
                session,
                account_id=request.account_id,
                stage=request.to_stage,
                idempotency_key=f"stage:{request.account_id}:{request.sequence}",
                detail={
                    "from": request.from_stage.value if request.from_stage else None,
                    "to": request.to_stage.value,
                    "reason": request.reason,
                },
                now=datetime.now(UTC),
            )
        bound_logger(request.account_id).info(
            "stage.changed" if changed else "stage.already_recorded",
            from_stage=request.from_stage,
            to_stage=request.to_stage,
        )

    def all(self) -> list:
        return [self.load_account, self.record_payment, self.record_stage_change]
