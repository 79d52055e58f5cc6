"""Repayment plans, their installments and settlements: each recorded once (promises: store/promises.py).

The workflow decides (which plan, what was paid); the store keeps the record. A plan is one row per
(account, plan number) with its installments; repeats change nothing, and a settlement writes the
balance down once per plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Refused, parsed
from domain.negotiation_messages import Installment, InstallmentStatus, Offer, OfferKind
from domain.plan_messages import PlanStatus, plan_key
from store.audit import append_audit, append_once, audit_values
from store.errors import PlanNotSettleable, UnknownInstallment, UnknownPlan
from store.idempotent import insert_once, locked_account
from store.models import AuditEntryRow, InstallmentRow, PlanRow
from store.views import InstallmentView, PlanView

ACTOR = "workflow"
_ENDED = (PlanStatus.COMPLETED, PlanStatus.BROKEN, PlanStatus.CANCELLED)


async def create_plan(
    session: AsyncSession,
    *,
    account_id: str,
    plan_no: int,
    offer: Offer,
    proposed_by: str,
    approved_by: str | None,
    approver_role: str | None,
    now: datetime,
) -> PlanView:
    """Record plan `plan_no` with its installments, 'active'; any other active plan becomes 'cancelled'.

    A plan number already recorded comes back as it stands, and nothing else changes. The account
    row is locked first, so that concurrent creations for one account queue instead of racing.
    """
    _check_offer(offer)

    async def insert() -> PlanRow:
        active = await session.scalars(
            select(PlanRow)
            .where(PlanRow.account_id == account_id, PlanRow.status == PlanStatus.ACTIVE.value)
            .order_by(PlanRow.plan_no)
            .with_for_update()
        )
        for previous in list(active):
            await _end(session, previous, PlanStatus.CANCELLED, now, replaced_by=plan_no)
        key = plan_key(account_id, plan_no)
        plan = PlanRow(
            account_id=account_id,
            plan_no=plan_no,
            idempotency_key=key,
            kind=OfferKind(offer.kind).value,
            total_cents=offer.total_cents,
            discount_cents=offer.discount_cents,
            status=PlanStatus.ACTIVE.value,
            proposed_by=proposed_by,
            approved_by=approved_by,
            approver_role=approver_role,
            created_at=now,
        )
        session.add(plan)
        await session.flush()
        session.add_all(_installment_row(plan.id, installment, now) for installment in offer.installments)
        detail = {
            "plan_no": plan_no,
            "kind": plan.kind,
            "total_cents": offer.total_cents,
            "discount_cents": offer.discount_cents,
            "installments": len(offer.installments),
            "proposed_by": proposed_by,
            "approved_by": approved_by,
            "approver_role": approver_role,
        }
        session.add(AuditEntryRow(**audit_values(account_id, "plan.created", detail, ACTOR, now, key)))
        return plan

    find = partial(_plan_row, session, account_id, plan_no)
    once = await insert_once(session, find, insert, lock=partial(locked_account, session, account_id))
    return await _plan_view(session, once.row)


async def record_installments(
    session: AsyncSession,
    *,
    account_id: str,
    plan_no: int,
    installments: Sequence[Installment],
    now: datetime,
) -> bool:
    """Set each installment's paid amount and status as the workflow sees them; False if none changed.

    Each change is audited (`plan.installment`) under a key naming the change, so a retry adds nothing.
    """
    plan = await _locked_plan(session, account_id, plan_no)
    rows = {
        row.number: row
        for row in await session.scalars(
            select(InstallmentRow)
            .where(InstallmentRow.plan_id == plan.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    changed = False
    for installment in installments:
        row = rows.get(installment.number)
        if row is None:
            raise UnknownInstallment(f"plan {plan_no} of account {account_id} has no installment {installment.number}")
        status = InstallmentStatus(installment.status).value
        if installment.paid_cents < 0:
            raise Refused(f"installment {installment.number}: paid amount {installment.paid_cents} is negative")
        if (row.paid_cents, row.status) == (installment.paid_cents, status):
            continue
        before = (row.paid_cents, row.status)
        row.paid_cents, row.status, row.updated_at = installment.paid_cents, status, now
        await append_audit(
            session,
            account_id=account_id,
            action="plan.installment",
            detail={
                "plan_no": plan_no,
                "number": row.number,
                "paid_cents": row.paid_cents,
                "status": row.status,
                "previous_paid_cents": before[0],
                "previous_status": before[1],
            },
            actor=ACTOR,
            now=now,
            idempotency_key=(
                f"{plan_key(account_id, plan_no)}:installment:{row.number}:"
                f"{before[1]}:{before[0]}:{row.status}:{row.paid_cents}"
            ),
        )
        changed = True
    await session.flush()
    return changed


async def end_plan(
    session: AsyncSession, *, account_id: str, plan_no: int, status: PlanStatus | str, now: datetime
) -> bool:
    """End an active plan 'completed', 'broken' or 'cancelled'; False (nothing changed) if it already ended."""
    status = parsed(PlanStatus, status, "a plan's end status")
    if status not in _ENDED:
        raise Refused(f"a plan ends 'completed', 'broken' or 'cancelled', not {status.value!r}")
    plan = await _locked_plan(session, account_id, plan_no)
    if plan.status != PlanStatus.ACTIVE.value:
        return False
    await _end(session, plan, status, now)
    await session.flush()
    return True


async def reopen_plan(session: AsyncSession, *, account_id: str, plan_no: int, reason: str, now: datetime) -> bool:
    """A completed plan active again (the payment that completed it was reversed); False if it was not completed."""
    plan = await _locked_plan(session, account_id, plan_no)
    if plan.status != PlanStatus.COMPLETED.value:
        return False
    plan.status, plan.ended_at = PlanStatus.ACTIVE.value, None
    await append_audit(
        session, account_id=account_id, action="plan.reopened", detail={"plan_no": plan_no, "because": reason},
        actor=ACTOR, now=now, idempotency_key=f"{plan_key(account_id, plan_no)}:reopened:{reason}",
    )  # fmt: skip
    await session.flush()
    return True


async def settle_account(
    session: AsyncSession, *, account_id: str, plan_no: int, forgiven_cents: int, now: datetime
) -> bool:
    """Write `forgiven_cents` off the balance once for this settlement plan, and complete the plan.

    Never more than the balance is forgiven (the audit entry `account.settled` has both amounts).
    False, and nothing changed, when this plan's settlement was already recorded.
    """
    if forgiven_cents < 0:
        raise Refused(f"forgiven amount must not be negative, got {forgiven_cents} cents")
    account = await locked_account(session, account_id)
    plan = await _locked_plan(session, account_id, plan_no)
    key = f"settle:{account_id}:{plan_no}"
    if await _key_used(session, key):
        return False
    if plan.kind != OfferKind.SETTLEMENT.value:
        raise PlanNotSettleable(f"plan {plan_no} of account {account_id} is {plan.kind}, not a settlement")
    if plan.status in (PlanStatus.BROKEN.value, PlanStatus.CANCELLED.value):
        raise PlanNotSettleable(f"plan {plan_no} of account {account_id} is {plan.status}: nothing to settle")
    written_off = min(forgiven_cents, max(account.balance_cents, 0))
    detail = {
        "plan_no": plan_no,
        "forgiven_cents": written_off,
        "requested_cents": forgiven_cents,
        "balance_before_cents": account.balance_cents,
        "balance_after_cents": account.balance_cents - written_off,
    }
    entry = AuditEntryRow(**audit_values(account_id, "account.settled", detail, ACTOR, now, key))
    if not await append_once(session, entry):
        return False
    account.balance_cents -= written_off
    account.forgiven_cents += written_off
    account.updated_at = now
    if plan.status == PlanStatus.ACTIVE.value:
        await _end(session, plan, PlanStatus.COMPLETED, now)
    await session.flush()
    return True


async def get_plan(session: AsyncSession, account_id: str, plan_no: int) -> PlanView | None:
    row = await _plan_row(session, account_id, plan_no)
    return None if row is None else await _plan_view(session, row)


async def plans_for(session: AsyncSession, account_id: str) -> list[PlanView]:
    """The account's plans by number, each with its installments."""
    plans = list(
        await session.scalars(select(PlanRow).where(PlanRow.account_id == account_id).order_by(PlanRow.plan_no))
    )
    installments: dict[int, list[InstallmentView]] = {plan.id: [] for plan in plans}
    if plans:
        rows = await session.scalars(
            select(InstallmentRow)
            .where(InstallmentRow.plan_id.in_(list(installments)))
            .order_by(InstallmentRow.plan_id, InstallmentRow.number)
        )
        for row in rows:
            installments[row.plan_id].append(_installment_view(row))
    return [plan_view(plan, installments[plan.id]) for plan in plans]


def plan_view(row: PlanRow, installments: list[InstallmentView]) -> PlanView:
    return PlanView(
        plan_id=row.id,
        account_id=row.account_id,
        plan_no=row.plan_no,
        kind=OfferKind(row.kind),
        total_cents=row.total_cents,
        discount_cents=row.discount_cents,
        status=PlanStatus(row.status),
        proposed_by=row.proposed_by,
        approved_by=row.approved_by,
        approver_role=row.approver_role,
        created_at=row.created_at,
        ended_at=row.ended_at,
        installments=installments,
    )


def _check_offer(offer: Offer) -> None:
    OfferKind(offer.kind)
    if offer.total_cents < 0 or offer.discount_cents < 0:
        raise Refused(f"an offer's amounts must not be negative: {offer.total_cents}, {offer.discount_cents}")
    numbers = [installment.number for installment in offer.installments]
    if len(set(numbers)) != len(numbers):
        raise Refused(f"installment numbers repeat: {numbers}")
    scheduled = sum(installment.amount_cents for installment in offer.installments)
    if offer.installments and scheduled != offer.total_cents:
        raise Refused(f"installments add up to {scheduled} cents, the offer to {offer.total_cents}")


def _installment_row(plan_id: int, installment: Installment, now: datetime) -> InstallmentRow:
    return InstallmentRow(
        plan_id=plan_id,
        number=installment.number,
        due_date=date.fromisoformat(installment.due_date),
        amount_cents=installment.amount_cents,
        paid_cents=installment.paid_cents,
        status=InstallmentStatus(installment.status).value,
        updated_at=now,
    )


def _installment_view(row: InstallmentRow) -> InstallmentView:
    return InstallmentView(
        number=row.number,
        due_date=row.due_date,
        amount_cents=row.amount_cents,
        paid_cents=row.paid_cents,
        status=InstallmentStatus(row.status),
        updated_at=row.updated_at,
    )


async def _plan_view(session: AsyncSession, row: PlanRow) -> PlanView:
    rows = await session.scalars(
        select(InstallmentRow).where(InstallmentRow.plan_id == row.id).order_by(InstallmentRow.number)
    )
    return plan_view(row, [_installment_view(installment) for installment in rows])


async def _end(
    session: AsyncSession, plan: PlanRow, status: PlanStatus, now: datetime, *, replaced_by: int | None = None
) -> None:
    plan.status, plan.ended_at = status.value, now
    detail: dict[str, object] = {"plan_no": plan.plan_no, "kind": plan.kind}
    if replaced_by is not None:
        detail["replaced_by"] = replaced_by
    await append_audit(
        session,
        account_id=plan.account_id,
        action=f"plan.{status.value}",
        detail=detail,
        actor=ACTOR,
        now=now,
        idempotency_key=f"{plan.idempotency_key}:ended",
    )


async def _plan_row(session: AsyncSession, account_id: str, plan_no: int) -> PlanRow | None:
    return await session.scalar(select(PlanRow).where(PlanRow.account_id == account_id, PlanRow.plan_no == plan_no))


async def _locked_plan(session: AsyncSession, account_id: str, plan_no: int) -> PlanRow:
    row = await session.scalar(
        select(PlanRow)
        .where(PlanRow.account_id == account_id, PlanRow.plan_no == plan_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise UnknownPlan(f"unknown plan {plan_no} of account {account_id}")
    return row


async def _key_used(session: AsyncSession, key: str) -> bool:
    return await session.scalar(select(AuditEntryRow.id).where(AuditEntryRow.idempotency_key == key)) is not None
