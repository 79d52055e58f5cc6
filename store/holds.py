"""Holds, claims, write-offs and balance adjustments: each recorded once, whatever the retries.

A hold (bankruptcy, deceased, dispute, legal) is one row per (account, reference): opened once,
its detail merged by updates, released once. A claim is one row per (account, hold, kind). A
write-off takes the remaining balance once per account, an adjustment once per reference.
The audit trail gets case numbers, courts and dates, but of a representative (or anyone else's
name and contact) only the key names.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Refused
from store.audit import append_audit, append_once, audit_values
from store.errors import UnknownHold
from store.idempotent import Once, insert_once, locked_account
from store.models import AuditEntryRow, ClaimRow, HoldRow
from store.models.holds import CLAIM_KINDS, HOLD_KINDS
from store.views import ClaimView, HoldView, view_of

ACTOR = "workflow"
KEY_LENGTH = 200
REFERENCE_LENGTH = 128
OUTCOME_LENGTH = 16
REASON_LENGTH = 200
PRIVATE_KEY_PARTS = (
    "representative",
    "executor",
    "administrator",
    "trustee",
    "attorney",
    "name",
    "phone",
    "email",
    "address",
    "contact",
)
"""A detail key holding any of these is a person's name or contact: audited by key name only."""


def is_private_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in PRIVATE_KEY_PARTS)


def hold_key(account_id: str, reference: str, suffix: str = "") -> str:
    return bounded_key(f"hold:{account_id}:{reference}{suffix}")


def bounded_key(key: str) -> str:
    """The key as is if it fits the audit log's column, else cut short and ended by a digest of the whole."""
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: KEY_LENGTH - len(digest) - 1]}~{digest}"


async def open_hold(
    session: AsyncSession, *, account_id: str, reference: str, kind: str, detail: dict[str, str], now: datetime
) -> HoldView:
    """Open hold `reference` on the account, audited `hold.placed` (`open_hold_once`)."""
    return (await open_hold_once(
        session, account_id=account_id, reference=reference, kind=kind, detail=detail, now=now
    )).row  # fmt: skip


async def open_hold_once(
    session: AsyncSession, *, account_id: str, reference: str, kind: str, detail: dict[str, str], now: datetime
) -> Once[HoldView]:
    """Open hold `reference` on the account, audited `hold.placed`; `created` says whether this call did.

    A reference already opened comes back as it stands, and nothing changes. The account row is
    locked first, so that concurrent openings queue instead of racing.
    """
    _check_reference(reference)
    if kind not in HOLD_KINDS:
        raise Refused(f"a hold is one of {', '.join(HOLD_KINDS)}, not {kind!r}")
    _check_detail(detail)

    async def insert() -> HoldRow:
        row = HoldRow(account_id=account_id, reference=reference, kind=kind, detail=dict(detail), placed_at=now)
        session.add(row)
        audited = {"reference": reference, "kind": kind, "keys": sorted(detail), "detail": _public(detail)}
        key = hold_key(account_id, reference)
        session.add(AuditEntryRow(**audit_values(account_id, "hold.placed", audited, ACTOR, now, key)))
        return row

    find = partial(_hold_row, session, account_id, reference)
    once = await insert_once(session, find, insert, lock=partial(locked_account, session, account_id))
    return Once(_hold_view(once.row), once.created)


async def update_hold(
    session: AsyncSession, *, account_id: str, reference: str, detail: dict[str, str], now: datetime
) -> HoldView:
    """Merge `detail` into the hold's, audited `hold.updated` with the changed key names.

    Keys already holding the same values change nothing, and then nothing is audited.
    """
    _check_reference(reference)
    _check_detail(detail)
    row = await _locked_hold(session, account_id, reference)
    changed = sorted(k for k, value in detail.items() if row.detail.get(k) != value)
    if not changed:
        return _hold_view(row)
    row.detail = {**row.detail, **{k: detail[k] for k in changed}}
    updates = await _updates_so_far(session, account_id, reference)
    await append_audit(
        session,
        account_id=account_id,
        action="hold.updated",
        detail={
            "reference": reference,
            "kind": row.kind,
            "changed": changed,
            "detail": _public({k: detail[k] for k in changed}),
        },
        actor=ACTOR,
        now=now,
        idempotency_key=hold_key(account_id, reference, f":updated:{updates + 1}"),
    )
    await session.flush()
    return _hold_view(row)


async def close_hold(
    session: AsyncSession, *, account_id: str, reference: str, outcome: str, now: datetime
) -> HoldView:
    """Release the hold with `outcome`, audited `hold.released`; a released hold comes back unchanged."""
    _check_reference(reference)
    if not outcome.strip() or len(outcome) > OUTCOME_LENGTH:
        raise Refused(f"a hold's outcome needs 1 to {OUTCOME_LENGTH} characters, got {len(outcome.strip())}")
    row = await _locked_hold(session, account_id, reference)
    if row.released_at is not None:
        return _hold_view(row)
    row.released_at, row.outcome = now, outcome
    await append_audit(
        session,
        account_id=account_id,
        action="hold.released",
        detail={"reference": reference, "kind": row.kind, "outcome": outcome},
        actor=ACTOR,
        now=now,
        idempotency_key=hold_key(account_id, reference, ":released"),
    )
    await session.flush()
    return _hold_view(row)


async def holds_for(session: AsyncSession, account_id: str) -> list[HoldView]:
    rows = await session.scalars(
        select(HoldRow).where(HoldRow.account_id == account_id).order_by(HoldRow.placed_at, HoldRow.id)
    )
    return [_hold_view(row) for row in rows]


async def file_claim(
    session: AsyncSession,
    *,
    account_id: str,
    hold_reference: str,
    kind: str,
    amount_cents: int,
    deadline: date,
    now: datetime,
) -> ClaimView:
    """File a claim of `kind` under the hold, audited `claim.filed`; a repeat returns the claim unchanged."""
    _check_reference(hold_reference)
    if kind not in CLAIM_KINDS:
        raise Refused(f"a claim is one of {', '.join(CLAIM_KINDS)}, not {kind!r}")
    if amount_cents <= 0:
        raise Refused(f"claimed amount must be positive, got {amount_cents} cents")

    async def lock() -> None:
        await locked_account(session, account_id)
        if await _hold_row(session, account_id, hold_reference) is None:
            raise UnknownHold(f"unknown hold {hold_reference} of account {account_id}")

    async def insert() -> ClaimRow:
        row = ClaimRow(
            account_id=account_id, hold_reference=hold_reference, kind=kind, amount_cents=amount_cents,
            deadline=deadline, filed_at=now,
        )  # fmt: skip
        session.add(row)
        detail = {
            "hold_reference": hold_reference,
            "kind": kind,
            "amount_cents": amount_cents,
            "deadline": deadline.isoformat(),
        }
        key = bounded_key(f"claim:{account_id}:{hold_reference}:{kind}")
        session.add(AuditEntryRow(**audit_values(account_id, "claim.filed", detail, ACTOR, now, key)))
        return row

    once = await insert_once(session, partial(_claim_row, session, account_id, hold_reference, kind), insert, lock=lock)
    return _claim_view(once.row)


async def claims_for(session: AsyncSession, account_id: str) -> list[ClaimView]:
    rows = await session.scalars(
        select(ClaimRow).where(ClaimRow.account_id == account_id).order_by(ClaimRow.filed_at, ClaimRow.id)
    )
    return [_claim_view(row) for row in rows]


async def write_off(session: AsyncSession, *, account_id: str, reason: str, now: datetime) -> int:
    """Write the whole remaining balance off, once per account, audited `account.written_off`.

    Returns the amount written off: 0 when the account was already written off (nothing changes),
    and 0 too, recorded, when there was no balance left to write off.
    """
    _check_reason(reason)
    account = await locked_account(session, account_id)
    amount = max(account.balance_cents, 0)
    detail = {
        "amount_cents": amount,
        "reason": reason,
        "balance_before_cents": account.balance_cents,
        "balance_after_cents": account.balance_cents - amount,
    }
    entry = AuditEntryRow(
        **audit_values(account_id, "account.written_off", detail, ACTOR, now, f"writeoff:{account_id}")
    )
    if not await append_once(session, entry):
        return 0
    account.balance_cents -= amount
    account.written_off_cents += amount
    account.updated_at = now
    await session.flush()
    return amount


async def adjust_balance(
    session: AsyncSession, *, account_id: str, reference: str, amount_cents: int, reason: str, now: datetime
) -> int:
    """Take `amount_cents` off the balance (never below 0) once per reference, audited `balance.adjusted`.

    Returns the balance after; a reference already adjusted changes nothing and returns the balance as it stands.
    """
    _check_reference(reference)
    _check_reason(reason)
    if amount_cents <= 0:
        raise Refused(f"an adjustment must be positive, got {amount_cents} cents")
    account = await locked_account(session, account_id)
    taken = min(amount_cents, max(account.balance_cents, 0))
    detail = {
        "reference": reference,
        "amount_cents": taken,
        "requested_cents": amount_cents,
        "reason": reason,
        "balance_after_cents": account.balance_cents - taken,
    }
    key = f"adjust:{account_id}:{reference}"
    entry = AuditEntryRow(**audit_values(account_id, "balance.adjusted", detail, ACTOR, now, key))
    if not await append_once(session, entry):
        return account.balance_cents
    account.balance_cents -= taken
    account.updated_at = now
    await session.flush()
    return account.balance_cents


def _public(detail: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in sorted(detail.items()) if not is_private_key(key)}


def _check_reference(reference: str) -> None:
    if not reference.strip() or len(reference) > REFERENCE_LENGTH or not reference.isprintable():
        raise Refused(f"a reference needs 1 to {REFERENCE_LENGTH} printable characters, got {len(reference)}")


def _check_reason(reason: str) -> None:
    if not reason.strip() or len(reason) > REASON_LENGTH:
        raise Refused(f"a reason needs 1 to {REASON_LENGTH} characters, got {len(reason.strip())}")


def _check_detail(detail: dict[str, str]) -> None:
    for key, value in detail.items():
        if not isinstance(key, str) or not key.strip() or not isinstance(value, str):
            raise Refused(f"a hold's detail maps names to text, not {type(key).__name__} to {type(value).__name__}")


async def _updates_so_far(session: AsyncSession, account_id: str, reference: str) -> int:
    """How many `hold.updated` entries the hold has (its row is locked, so the count holds)."""
    details = await session.scalars(
        select(AuditEntryRow.detail).where(
            AuditEntryRow.account_id == account_id, AuditEntryRow.action == "hold.updated"
        )
    )
    return sum(1 for detail in details if detail.get("reference") == reference)


async def _hold_row(session: AsyncSession, account_id: str, reference: str) -> HoldRow | None:
    return await session.scalar(select(HoldRow).where(HoldRow.account_id == account_id, HoldRow.reference == reference))


async def _locked_hold(session: AsyncSession, account_id: str, reference: str) -> HoldRow:
    row = await session.scalar(
        select(HoldRow)
        .where(HoldRow.account_id == account_id, HoldRow.reference == reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise UnknownHold(f"unknown hold {reference} of account {account_id}")
    return row


async def _claim_row(session: AsyncSession, account_id: str, hold_reference: str, kind: str) -> ClaimRow | None:
    return await session.scalar(
        select(ClaimRow).where(
            ClaimRow.account_id == account_id, ClaimRow.hold_reference == hold_reference, ClaimRow.kind == kind
        )
    )


def _hold_view(row: HoldRow) -> HoldView:
    return view_of(HoldView, row, hold_id=row.id, detail=dict(row.detail))


def _claim_view(row: ClaimRow) -> ClaimView:
    return view_of(ClaimView, row, claim_id=row.id)
