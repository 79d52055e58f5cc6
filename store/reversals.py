"""Payment reversals: the balance restored once per reversal reference (and a payment reversed at most once),
an agency's commission on it taken back, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.audit import audit_values
from store.errors import DuplicateReference, StoreError, UnknownAccount, UnknownPayment
from store.idempotent import insert_once
from store.models import AccountRow, AuditEntryRow, PaymentReversalRow, PaymentRow, PlacementRow


class ReversalMismatch(StoreError):
    """A reversal whose amount is not the payment's: nothing changed."""


@dataclass(frozen=True)
class ReversalOutcome:
    applied: bool
    amount_cents: int
    balance_cents: int
    clawback_cents: int


@dataclass(frozen=True)
class ReversalView:
    reference: str
    payment_reference: str
    amount_cents: int
    reason: str
    return_code: str
    recorded_at: datetime


async def record_reversal(
    session: AsyncSession, *, account_id: str, payment_reference: str, reference: str, reason: str,
    amount_cents: int, return_code: str, now: datetime, actor: str = "workflow",
) -> ReversalOutcome:  # fmt: skip
    """Reverse the payment once: the balance goes back up by its amount, its commission is taken back."""
    payment = await session.scalar(select(PaymentRow).where(PaymentRow.reference == payment_reference))
    if payment is None or payment.account_id != account_id:
        raise UnknownPayment(f"no payment {payment_reference} recorded for account {account_id}")
    if amount_cents != payment.amount_cents:
        raise ReversalMismatch(
            f"payment {payment_reference} was {payment.amount_cents} cents, the reversal says {amount_cents}"
        )
    earlier = await session.scalar(select(PaymentReversalRow).where(PaymentReversalRow.payment_id == payment.id))
    if earlier is not None and earlier.reference != reference:
        return await _outcome(session, earlier, applied=False)

    async def insert() -> PaymentReversalRow:
        balance = await session.scalar(
            update(AccountRow)
            .where(AccountRow.account_id == account_id)
            .values(balance_cents=AccountRow.balance_cents + amount_cents, updated_at=now)
            .returning(AccountRow.balance_cents)
            .execution_options(synchronize_session="fetch")
        )
        if balance is None:
            raise UnknownAccount(f"unknown account {account_id}")
        clawback = await _claw_back(session, payment, now)
        row = PaymentReversalRow(
            reference=reference, payment_id=payment.id, account_id=account_id, amount_cents=amount_cents,
            reason=reason, return_code=return_code, clawback_cents=clawback, balance_after_cents=balance,
            recorded_at=now,
        )  # fmt: skip
        session.add(row)
        detail = {
            "reference": reference, "payment_reference": payment_reference, "amount_cents": amount_cents,
            "reason": reason, "return_code": return_code, "clawback_cents": clawback, "balance_after_cents": balance,
        }  # fmt: skip
        values = audit_values(account_id, "payment.reversed", detail, actor, now, f"reversal:{reference}")
        session.add(AuditEntryRow(**values))
        await session.flush()
        return row

    row, created = await insert_once(session, partial(_by_reference, session, reference), insert)
    if row.account_id != account_id or row.payment_id != payment.id:
        raise DuplicateReference(f"reversal reference {reference} is already used for another payment")
    return await _outcome(session, row, applied=created)


async def reversals_for(session: AsyncSession, account_id: str) -> list[ReversalView]:
    rows = await session.execute(
        select(PaymentReversalRow, PaymentRow.reference)
        .join(PaymentRow, PaymentRow.id == PaymentReversalRow.payment_id)
        .where(PaymentReversalRow.account_id == account_id)
        .order_by(PaymentReversalRow.id)
    )
    return [
        ReversalView(r.reference, payment, r.amount_cents, r.reason, r.return_code, r.recorded_at)
        for r, payment in rows
    ]


async def reversal_of(session: AsyncSession, payment_reference: str) -> ReversalView | None:
    """The reversal of the payment under this reference, if it was reversed."""
    found = await session.execute(
        select(PaymentReversalRow, PaymentRow.reference)
        .join(PaymentRow, PaymentRow.id == PaymentReversalRow.payment_id)
        .where(PaymentRow.reference == payment_reference)
    )
    row = found.first()
    if row is None:
        return None
    r, payment = row
    return ReversalView(r.reference, payment, r.amount_cents, r.reason, r.return_code, r.recorded_at)


async def _claw_back(session: AsyncSession, payment: PaymentRow, now: datetime) -> int:
    """The agency's commission on the payment, taken off its placement (audited)."""
    if payment.placement_no is None or payment.commission_cents == 0:
        return 0
    await session.execute(
        update(PlacementRow)
        .where(PlacementRow.account_id == payment.account_id, PlacementRow.placement_no == payment.placement_no)
        .values(
            collected_cents=PlacementRow.collected_cents - payment.amount_cents,
            commission_cents=PlacementRow.commission_cents - payment.commission_cents,
        )
    )
    detail = {
        "placement_no": payment.placement_no, "reference": payment.reference,
        "commission_cents": payment.commission_cents,
    }  # fmt: skip
    key = f"clawback:{payment.reference}"
    session.add(
        AuditEntryRow(**audit_values(payment.account_id, "commission.clawed_back", detail, "workflow", now, key))
    )
    return payment.commission_cents


async def _by_reference(session: AsyncSession, reference: str) -> PaymentReversalRow | None:
    return await session.scalar(select(PaymentReversalRow).where(PaymentReversalRow.reference == reference))


async def _outcome(session: AsyncSession, row: PaymentReversalRow, *, applied: bool) -> ReversalOutcome:
    balance = await session.scalar(select(AccountRow.balance_cents).where(AccountRow.account_id == row.account_id))
    return ReversalOutcome(applied, row.amount_cents, int(balance or 0), row.clawback_cents)
