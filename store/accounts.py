"""Accounts: reading them, mirroring the workflow's stage, and portfolio questions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.stages import TERMINAL_STAGES, Stage
from store.audit import append_once, audit_values
from store.idempotent import locked_account
from store.models import AccountRow, AuditEntryRow, ContactPointRow, HoldRow, PaymentRow
from store.views import AccountView, ContactPointView, in_chunks, view_of


async def get_account(session: AsyncSession, account_id: str) -> AccountView | None:
    row = await session.get(AccountRow, account_id)
    if row is None:
        return None
    payments_count = await session.scalar(
        select(func.count()).select_from(PaymentRow).where(PaymentRow.account_id == account_id)
    )
    stage = None if row.stage is None else Stage(row.stage)
    return view_of(AccountView, row, stage=stage, payments_count=payments_count or 0)


async def get_accounts(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, AccountView]:
    """Many accounts in a few queries (chunks of 500 ids); unknown ids are simply absent."""
    found: dict[str, AccountView] = {}
    for chunk in in_chunks(list(account_ids)):
        payments = select(PaymentRow.account_id, func.count()).where(PaymentRow.account_id.in_(chunk))
        counts = {a: n for a, n in await session.execute(payments.group_by(PaymentRow.account_id))}
        for row in await session.scalars(select(AccountRow).where(AccountRow.account_id.in_(chunk))):
            stage = None if row.stage is None else Stage(row.stage)
            found[row.account_id] = view_of(AccountView, row, stage=stage, payments_count=counts.get(row.account_id, 0))
    return found


async def contact_points_for(session: AsyncSession, account_id: str) -> list[ContactPointView]:
    rows = await session.scalars(
        select(ContactPointRow).where(ContactPointRow.account_id == account_id).order_by(ContactPointRow.id)
    )
    return [view_of(ContactPointView, row, contact_point_id=row.id) for row in rows]


async def set_stage(
    session: AsyncSession,
    *,
    account_id: str,
    stage: Stage,
    idempotency_key: str,
    detail: dict[str, Any],
    now: datetime,
    actor: str = "workflow",
    closing_state: dict[str, Any] | None = None,
) -> bool:
    """Mirror the workflow's stage and audit `stage.changed`; False if the key was already used. Entering a
    closing stage keeps the workflow's `closing_state` (JSON), for a reversed payment to reopen it."""
    account = await locked_account(session, account_id)
    detail = {**detail, "from": account.stage, "to": stage.value}
    entry = AuditEntryRow(**audit_values(account_id, "stage.changed", detail, actor, now, idempotency_key))
    if not await append_once(session, entry):
        return False
    account.stage, account.stage_changed_at, account.updated_at = stage.value, now, now
    account.closing_state = closing_state if stage.is_terminal else None
    await session.flush()
    return True


async def closing_state(session: AsyncSession, account_id: str) -> dict[str, Any] | None:
    """The workflow's state as the account closed, if it closed since closing states are kept."""
    found: dict[str, Any] | None = await session.scalar(
        select(AccountRow.closing_state).where(AccountRow.account_id == account_id)
    )
    return found


async def past_due_account_ids(session: AsyncSession, *, as_of: date) -> list[str]:
    """Accounts owing money past their due date whose collection has not ended."""
    query = (
        select(AccountRow.account_id)
        .where(
            AccountRow.due_date < as_of,
            AccountRow.balance_cents > 0,
            or_(AccountRow.stage.is_(None), AccountRow.stage.not_in([s.value for s in TERMINAL_STAGES])),
        )
        .order_by(AccountRow.account_id)
    )
    return list(await session.scalars(query))


async def account_ids_by_stage(session: AsyncSession) -> dict[str | None, int]:
    """How many accounts are in each stage (None: no workflow started yet)."""
    query = select(AccountRow.stage, func.count()).group_by(AccountRow.stage)
    return {stage: count for stage, count in await session.execute(query)}


async def stages_reached(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, int]:
    """How many of these accounts were ever in each stage (from the audit log), and on each kind of hold
    (as `on_hold:<kind>`): what a run showed, whether or not the accounts are still there."""
    reached: dict[str, set[str]] = {}
    for chunk in in_chunks(list(account_ids)):
        changes = await session.execute(
            select(AuditEntryRow.account_id, AuditEntryRow.detail).where(
                AuditEntryRow.action == "stage.changed", AuditEntryRow.account_id.in_(chunk)
            )
        )
        for account_id, detail in changes:
            reached.setdefault(str(detail.get("to")), set()).add(account_id)
        kinds = await session.execute(select(HoldRow.account_id, HoldRow.kind).where(HoldRow.account_id.in_(chunk)))
        for account_id, kind in kinds:
            reached.setdefault(f"{Stage.ON_HOLD.value}:{kind}", set()).add(account_id)
    return {stage: len(accounts) for stage, accounts in sorted(reached.items())}
