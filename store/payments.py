"""Payments: applied once per reference, whatever retries and races bring."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bounds import CEILING_CENTS
from store.audit import audit_values
from store.errors import AmountOutOfRange, DuplicateReference, UnknownAccount
from store.idempotent import insert_once
from store.models import AccountRow, AuditEntryRow, PaymentRow
from store.views import PaymentOutcome, PaymentView, view_of


async def record_payment(
    session: AsyncSession,
    *,
    account_id: str,
    reference: str,
    amount_cents: int,
    received_on: date,
    source: str,
    now: datetime,
    actor: str = "workflow",
) -> PaymentOutcome:
    """Apply a payment once per reference; a repeat changes nothing and returns the balance.

    The unique key on the reference decides between concurrent transactions: the loser's
    SAVEPOINT (its balance update included) rolls back and it reports the winner's payment.
    """
    if amount_cents <= 0:
        raise AmountOutOfRange(f"payment amount must be positive, got {amount_cents} cents")
    if amount_cents > CEILING_CENTS:
        raise AmountOutOfRange(f"payment amount {amount_cents} cents is over the store's ceiling of {CEILING_CENTS}")

    async def insert() -> PaymentRow:
        balance = await session.scalar(
            update(AccountRow)
            .where(AccountRow.account_id == account_id)
            .values(balance_cents=AccountRow.balance_cents - amount_cents, updated_at=now)
            .returning(AccountRow.balance_cents)
            .execution_options(synchronize_session="fetch")
        )
        if balance is None:
            raise UnknownAccount(f"unknown account {account_id}")
        payment = PaymentRow(
            account_id=account_id,
            reference=reference,
            amount_cents=amount_cents,
            received_on=received_on,
            source=source,
            balance_after_cents=balance,
            recorded_at=now,
        )
        session.add(payment)
        await session.flush()
        detail = {
            "payment_id": payment.id,
            "reference": reference,
            "amount_cents": amount_cents,
            "received_on": received_on.isoformat(),
            "source": source,
            "balance_after_cents": balance,
        }
        key = f"payment:{reference}"
        session.add(AuditEntryRow(**audit_values(account_id, "payment.recorded", detail, actor, now, key)))
        return payment

    payment, created = await insert_once(session, partial(_by_reference, session, reference), insert)
    if not created:
        return await _already_recorded(session, payment, account_id)
    return PaymentOutcome(applied=True, balance_cents=payment.balance_after_cents, payment_id=payment.id)


async def payments_for(session: AsyncSession, account_id: str) -> list[PaymentView]:
    rows = await session.scalars(select(PaymentRow).where(PaymentRow.account_id == account_id).order_by(PaymentRow.id))
    return [view_of(PaymentView, row, payment_id=row.id) for row in rows]


async def payment_by_reference(session: AsyncSession, reference: str) -> PaymentView | None:
    """The payment recorded under this reference, on whichever account."""
    row = await _by_reference(session, reference)
    return None if row is None else view_of(PaymentView, row, payment_id=row.id)


async def _by_reference(session: AsyncSession, reference: str) -> PaymentRow | None:
    return await session.scalar(select(PaymentRow).where(PaymentRow.reference == reference))


async def _already_recorded(session: AsyncSession, payment: PaymentRow, account_id: str) -> PaymentOutcome:
    if payment.account_id != account_id:
        raise DuplicateReference(
            f"payment reference {payment.reference} is already recorded for account {payment.account_id}"
        )
    balance = await session.scalar(select(AccountRow.balance_cents).where(AccountRow.account_id == account_id))
    return PaymentOutcome(applied=False, balance_cents=balance or 0, payment_id=payment.id)
