"""Loading an accounts file: new accounts in bulk, known ones brought up to date."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.intake import AccountRecord
from store.audit import audit_values
from store.models import AccountRow, AuditEntryRow, ContactPointRow
from store.views import UpsertResult

# Ids per `IN (...)` lookup: far below SQLite's and asyncpg's bound-parameter limits.
LOOKUP_CHUNK = 500
# Taken from every load.
DESCRIPTIVE_FIELDS = (
    "creditor", "debtor_name", "street", "city", "state", "postal_code",
    "timezone", "currency", "segment", "medical", "language",
)  # fmt: skip
# Taken from a load only while no workflow owns the account (stage IS NULL).
FILE_OWNED_FIELDS = ("original_balance_cents", "due_date", "itemization_date")


async def upsert_accounts(session: AsyncSession, records: Sequence[AccountRecord], *, now: datetime) -> UpsertResult:
    """Insert new accounts with their contact points; bring known accounts up to date.

    A known account takes the file's balance and due date only while its stage is NULL;
    afterwards the workflow owns them, and a file that disagrees reports the row as updated.
    Known rows are looked up in chunks; new rows go in as one executemany per table.
    """
    by_id = {record.account_id: record for record in records}
    if len(by_id) != len(records):
        raise ValueError("the records name some account more than once")
    new_accounts: list[dict[str, Any]] = []
    new_contact_points: list[dict[str, Any]] = []
    audit_entries: list[dict[str, Any]] = []
    updated = unchanged = 0
    for chunk in _chunks(list(by_id), LOOKUP_CHUNK):
        known = {
            row.account_id: row
            for row in await session.scalars(select(AccountRow).where(AccountRow.account_id.in_(chunk)))
        }
        contact_keys = await _contact_keys(session, list(known))
        for account_id in chunk:
            record, row = by_id[account_id], known.get(account_id)
            contact_points = _new_contact_points(record, contact_keys, now)
            new_contact_points += contact_points
            if row is None:
                new_accounts.append(_new_account(record, now))
                audit_entries.append(_loaded_entry(record, now))
                continue
            changed, kept = _refresh(row, record)
            if not (changed or kept or contact_points):
                unchanged += 1
                continue
            updated += 1
            if changed:
                row.updated_at = now
            detail = {"changed": changed, "kept": kept, "contact_points_added": len(contact_points)}
            audit_entries.append(audit_values(account_id, "account.updated", detail, "ops", now))
    for model, rows in (
        (AccountRow, new_accounts),  # first: the rows below refer to it
        (ContactPointRow, new_contact_points),
        (AuditEntryRow, audit_entries),
    ):
        if rows:  # render_nulls keeps every row the same shape, so one executemany per table
            await session.execute(insert(model).execution_options(render_nulls=True), rows)
    await session.flush()
    return UpsertResult(inserted=len(new_accounts), updated=updated, unchanged=unchanged)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _contact_keys(session: AsyncSession, account_ids: list[str]) -> set[tuple[str, str, str]]:
    if not account_ids:
        return set()
    query = select(ContactPointRow.account_id, ContactPointRow.kind, ContactPointRow.value).where(
        ContactPointRow.account_id.in_(account_ids)
    )
    return {(row.account_id, row.kind, row.value) for row in await session.execute(query)}


def _new_account(record: AccountRecord, now: datetime) -> dict[str, Any]:
    return {
        "account_id": record.account_id,
        **{name: getattr(record, name) for name in DESCRIPTIVE_FIELDS},
        "balance_cents": record.balance_cents,
        "original_balance_cents": record.balance_cents,
        "due_date": record.due_date,
        "itemization_date": record.itemization_date,
        "stage": None,
        "created_at": now,
        "updated_at": now,
    }


def _new_contact_points(record: AccountRecord, known: set[tuple[str, str, str]], now: datetime) -> list[dict[str, Any]]:
    """The record's phone, email and postal address, less those the account already has."""
    address = f"{record.street}, {record.city}, {record.state} {record.postal_code}"
    candidates = [("phone", record.phone, record.timezone), ("email", record.email, None), ("address", address, None)]
    return [
        {
            "account_id": record.account_id,
            "kind": kind,
            "value": value,
            "timezone": timezone,
            "created_at": now,
            "consent_sms": kind == "phone" and record.sms_consent,
            "consent_autodialer": kind == "phone" and record.autodialer_consent,
        }  # fmt: skip
        for kind, value, timezone in candidates
        if value and (record.account_id, kind, value) not in known
    ]


def _refresh(row: AccountRow, record: AccountRecord) -> tuple[list[str], list[str]]:
    """Apply the record to a known account: (fields changed, fields kept for the workflow)."""
    wanted: dict[str, Any] = {name: getattr(record, name) for name in DESCRIPTIVE_FIELDS}
    wanted |= {
        "original_balance_cents": record.balance_cents, "due_date": record.due_date,
        "itemization_date": record.itemization_date,
    }  # fmt: skip
    changed, kept = [], []
    for name, value in wanted.items():
        if getattr(row, name) == value:
            continue
        if name in FILE_OWNED_FIELDS and row.stage is not None:
            kept.append(name)
            continue
        setattr(row, name, value)
        changed.append(name)
    if "original_balance_cents" in changed:
        row.balance_cents = record.balance_cents
        changed.append("balance_cents")
    return changed, kept


def _loaded_entry(record: AccountRecord, now: datetime) -> dict[str, Any]:
    detail = {
        "balance_cents": record.balance_cents,
        "due_date": record.due_date.isoformat(),
        "creditor": record.creditor,
        "segment": record.segment,
    }
    return audit_values(record.account_id, "account.loaded", detail, "ops", now)
