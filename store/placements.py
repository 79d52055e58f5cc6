"""Placements with collection agencies: placed once, recalled once, exported once, commission once.

A placement is one row per (account, placement number); a repeat changes nothing. The agency's
placement file takes each placement once, and each payment earns the active placement its
commission once (the payment row remembers which placement it went to).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.disclosure import shown_creditor
from domain.errors import Refused
from store.audit import append_audit, audit_values
from store.errors import UnknownPayment, UnknownPlacement
from store.idempotent import insert_once, locked_account
from store.models import AccountRow, AuditEntryRow, ContactPointRow, PaymentRow, PlacementRow
from store.views import PlacementExportRow, PlacementView, view_of

ACTOR = "workflow"
PLACED, RECALLED = "placed", "recalled"
MAX_BPS = 10_000
CHUNK = 500


def placement_key(account_id: str, placement_no: int) -> str:
    return f"placement:{account_id}:{placement_no}"


def commission_of(amount_cents: int, commission_bps: int) -> int:
    """amount * bps / 10000 in whole cents, halves rounded up."""
    return (amount_cents * commission_bps + MAX_BPS // 2) // MAX_BPS


async def place_account(
    session: AsyncSession,
    *,
    account_id: str,
    placement_no: int,
    agency_id: str,
    balance_cents: int,
    commission_bps: int,
    now: datetime,
) -> PlacementView:
    """Place the account with `agency_id` as placement `placement_no`, audited `placement.made`.

    A placement number already recorded comes back as it stands, and nothing changes. The account
    row is locked first, so that concurrent placements of one account queue instead of racing.
    """
    if not agency_id.strip():
        raise Refused("a placement needs an agency id")
    if balance_cents <= 0:
        raise Refused(f"placed balance must be positive, got {balance_cents} cents")
    if not 0 <= commission_bps <= MAX_BPS:
        raise Refused(f"commission must be 0 to {MAX_BPS} basis points, got {commission_bps}")

    async def insert() -> PlacementRow:
        row = PlacementRow(
            account_id=account_id,
            placement_no=placement_no,
            agency_id=agency_id,
            placed_at=now,
            balance_placed_cents=balance_cents,
            commission_bps=commission_bps,
            status=PLACED,
            collected_cents=0,
            commission_cents=0,
        )
        session.add(row)
        detail = {
            "placement_no": placement_no,
            "agency_id": agency_id,
            "balance_cents": balance_cents,
            "commission_bps": commission_bps,
        }
        key = placement_key(account_id, placement_no)
        session.add(AuditEntryRow(**audit_values(account_id, "placement.made", detail, ACTOR, now, key)))
        return row

    find = partial(_placement_row, session, account_id, placement_no)
    once = await insert_once(session, find, insert, lock=partial(locked_account, session, account_id))
    return _view(once.row)


async def recall_placement(
    session: AsyncSession, *, account_id: str, placement_no: int, reason: str, now: datetime
) -> PlacementView:
    """Recall a placed account from its agency, audited `placement.recalled`.

    A placement no longer 'placed' (already recalled, or closed) comes back unchanged.
    """
    if not reason.strip() or len(reason) > 200:
        raise Refused(f"a recall needs a reason of 1 to 200 characters, got {len(reason.strip())}")
    row = await _locked_placement(session, account_id, placement_no)
    if row.status != PLACED:
        return _view(row)
    row.status, row.recalled_at, row.recall_reason = RECALLED, now, reason
    await append_audit(
        session,
        account_id=account_id,
        action="placement.recalled",
        detail={
            "placement_no": placement_no,
            "agency_id": row.agency_id,
            "reason": reason,
            "collected_cents": row.collected_cents,
            "commission_cents": row.commission_cents,
        },
        actor=ACTOR,
        now=now,
        idempotency_key=f"{placement_key(account_id, placement_no)}:recalled",
    )
    await session.flush()
    return _view(row)


async def active_placement(session: AsyncSession, account_id: str) -> PlacementView | None:
    """The account's placement still 'placed' (the highest number, should there be several)."""
    row = await session.scalar(
        select(PlacementRow)
        .where(PlacementRow.account_id == account_id, PlacementRow.status == PLACED)
        .order_by(PlacementRow.placement_no.desc())
        .limit(1)
    )
    return None if row is None else _view(row)


async def placements_for(session: AsyncSession, account_id: str) -> list[PlacementView]:
    rows = await session.scalars(
        select(PlacementRow).where(PlacementRow.account_id == account_id).order_by(PlacementRow.placement_no)
    )
    return [_view(row) for row in rows]


async def placement_counts(session: AsyncSession) -> dict[str, int]:
    """How many placements each agency has ever been given, whatever became of them."""
    query = select(PlacementRow.agency_id, func.count()).group_by(PlacementRow.agency_id)
    return {agency_id: count for agency_id, count in await session.execute(query)}


async def export_placements(
    session: AsyncSession, *, agency_id: str, now: datetime, batch_no: int
) -> list[PlacementExportRow]:
    """The agency's placements still 'placed' and not yet exported, oldest first, now marked exported in
    batch `batch_no`.

    Rows locked by a concurrent export are skipped (PostgreSQL), so two exports never share a placement.
    """
    rows = list(
        await session.scalars(
            select(PlacementRow)
            .where(
                PlacementRow.agency_id == agency_id, PlacementRow.status == PLACED, PlacementRow.exported_at.is_(None)
            )
            .order_by(PlacementRow.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )
    ids = [row.id for row in rows]
    for start in range(0, len(ids), CHUNK):
        await session.execute(
            update(PlacementRow)
            .where(PlacementRow.id.in_(ids[start : start + CHUNK]))
            .values(exported_at=now, export_batch_no=batch_no)
        )
    return await _export_rows(session, rows)


async def placement_batch(session: AsyncSession, batch_no: int) -> list[PlacementExportRow]:
    """The placements export batch `batch_no` took, in the order it wrote them, with today's account details."""
    rows = await session.scalars(
        select(PlacementRow).where(PlacementRow.export_batch_no == batch_no).order_by(PlacementRow.id)
    )
    return await _export_rows(session, list(rows))


async def _export_rows(session: AsyncSession, rows: list[PlacementRow]) -> list[PlacementExportRow]:
    if not rows:
        return []
    account_ids = sorted({row.account_id for row in rows})
    accounts: dict[str, AccountRow] = {}
    contacts: dict[tuple[str, str], str] = {}
    for start in range(0, len(account_ids), CHUNK):
        chunk = account_ids[start : start + CHUNK]
        accounts |= {
            a.account_id: a for a in await session.scalars(select(AccountRow).where(AccountRow.account_id.in_(chunk)))
        }
        contacts |= await _reachable_points(session, chunk)
    return [_export_row(row, accounts[row.account_id], contacts) for row in rows]


async def accrue_commission(session: AsyncSession, *, account_id: str, payment_reference: str, now: datetime) -> int:
    """The commission the account's active placement earns on this payment, accrued once; 0 if none is active.

    The payment row keeps the placement number and the commission: a repeat returns that commission
    and changes nothing. Audited `commission.accrued`.
    """
    payment = await session.scalar(
        select(PaymentRow)
        .where(PaymentRow.reference == payment_reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if payment is None or payment.account_id != account_id:
        raise UnknownPayment(f"no payment {payment_reference} recorded for account {account_id}")
    if payment.placement_no is not None:
        return payment.commission_cents
    placement = await session.scalar(
        select(PlacementRow)
        .where(PlacementRow.account_id == account_id, PlacementRow.status == PLACED)
        .order_by(PlacementRow.placement_no.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if placement is None:
        return 0
    commission = commission_of(payment.amount_cents, placement.commission_bps)
    payment.placement_no, payment.commission_cents = placement.placement_no, commission
    placement.collected_cents += payment.amount_cents
    placement.commission_cents += commission
    await append_audit(
        session,
        account_id=account_id,
        action="commission.accrued",
        detail={
            "placement_no": placement.placement_no,
            "agency_id": placement.agency_id,
            "reference": payment_reference,
            "amount_cents": payment.amount_cents,
            "commission_bps": placement.commission_bps,
            "commission_cents": commission,
        },
        actor=ACTOR,
        now=now,
        idempotency_key=f"commission:{payment_reference}",
    )
    await session.flush()
    return commission


async def _reachable_points(session: AsyncSession, account_ids: Sequence[str]) -> dict[tuple[str, str], str]:
    """(account, 'phone' | 'email') -> the debtor's first such point neither bad nor opted out."""
    rows = await session.scalars(
        select(ContactPointRow)
        .where(
            ContactPointRow.account_id.in_(list(account_ids)),
            ContactPointRow.kind.in_(["phone", "email"]),
            ContactPointRow.role == "debtor",
            ContactPointRow.bad.is_(False),
            ContactPointRow.opted_out.is_(False),
        )
        .order_by(ContactPointRow.id)
    )
    found: dict[tuple[str, str], str] = {}
    for row in rows:
        found.setdefault((row.account_id, row.kind), row.value)
    return found


def _export_row(row: PlacementRow, account: AccountRow, contacts: dict[tuple[str, str], str]) -> PlacementExportRow:
    return PlacementExportRow(
        account_id=row.account_id,
        placement_no=row.placement_no,
        agency_id=row.agency_id,
        creditor=shown_creditor(account.creditor, account.medical),
        debtor_name=account.debtor_name,
        street=account.street,
        city=account.city,
        state=account.state,
        postal_code=account.postal_code,
        phone=contacts.get((row.account_id, "phone")),
        email=contacts.get((row.account_id, "email")),
        balance_placed_cents=row.balance_placed_cents,
        currency=account.currency,
        due_date=account.due_date,
        placed_at=row.placed_at,
        commission_bps=row.commission_bps,
    )


async def _placement_row(session: AsyncSession, account_id: str, placement_no: int) -> PlacementRow | None:
    return await session.scalar(
        select(PlacementRow).where(PlacementRow.account_id == account_id, PlacementRow.placement_no == placement_no)
    )


async def _locked_placement(session: AsyncSession, account_id: str, placement_no: int) -> PlacementRow:
    row = await session.scalar(
        select(PlacementRow)
        .where(PlacementRow.account_id == account_id, PlacementRow.placement_no == placement_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise UnknownPlacement(f"unknown placement {placement_no} of account {account_id}")
    return row


def _view(row: PlacementRow) -> PlacementView:
    return view_of(PlacementView, row, placement_id=row.id)
