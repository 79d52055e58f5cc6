"""Contact points and the account's contact preferences: what the gate sees, what staff record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import phonenumbers
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.contact import Channel, ContactPoint
from domain.errors import Refused, parsed
from domain.inbound import ATTORNEY_ALLOWS_CONTACT_REASONS
from domain.intake import normalize_phone
from domain.rule_packs import jurisdictions_of, state_of_region
from domain.timezones import KnownPoint, area_code, zone_info
from domain.timezones import point_zones as zones_of
from store.audit import append_audit
from store.errors import UnknownAccount, UnknownContactPoint
from store.idempotent import locked_account
from store.models import AccountRow, ContactPointRow
from store.views import ContactPointView, ContactSnapshotView, view_of

DEBTOR = "debtor"
ATTORNEY = "attorney"
REPRESENTATIVE = "representative"
"""A deceased debtor's personal representative: like an attorney, the only person to contact."""


def point_zones(
    account: AccountRow, point: ContactPointRow | None, points: Sequence[ContactPointRow]
) -> tuple[str, ...]:
    """Where the person reached at `point` may be (the debtor, without a point), from the account's address and
    all its `points`: `domain.timezones.point_zones` (1006.6(b)(1)(i), comment 6(b)(1)(i)-1)."""
    return zones_of(
        None if point is None else known_point(point),
        points=[known_point(row) for row in points],
        address_zone=account.timezone,
        state=account.state,
    )


def known_point(row: ContactPointRow) -> KnownPoint:
    return KnownPoint(kind=row.kind, value=row.value, role=row.role, zone=row.timezone, bad=row.bad)


async def zones_of_point(session: AsyncSession, account: AccountRow, point: ContactPointRow | None) -> tuple[str, ...]:
    """`point_zones` with the account's points read from the store."""
    return point_zones(account, point, list(await session.scalars(_points_of(account.account_id))))


async def debtor_zones(session: AsyncSession, account_id: str) -> tuple[str, ...]:
    """Where the debtor of `account_id` may be (every zone), for people to read (`collections status`)."""
    account = await session.get(AccountRow, account_id)
    if account is None:
        raise UnknownAccount(f"unknown account {account_id}")
    return await zones_of_point(session, account, None)


def local_iso(at: datetime, zones: tuple[str, ...]) -> str:
    """`at` in the first candidate zone, ISO 8601 with its offset (UTC when no zone is known)."""
    zone = zone_info(zones[0]) if zones else None
    return at.astimezone(zone or UTC).isoformat()


async def contact_snapshot(session: AsyncSession, account_id: str) -> ContactSnapshotView:
    account = await session.get(AccountRow, account_id)
    if account is None:
        raise UnknownAccount(f"unknown account {account_id}")
    rows = list(await session.scalars(_points_of(account_id)))
    points = [
        ContactPoint(
            point_id=row.id,
            kind=row.kind,
            role=row.role,
            zones=list(point_zones(account, row, rows)),
            opted_out=row.opted_out,
            opted_out_channels=list(row.opted_out_channels),
            consent_autodialer=row.consent_autodialer,
            consent_sms=row.consent_sms,
            bad=row.bad,
        )
        for row in rows
    ]
    return ContactSnapshotView(
        account_id=account_id,
        points=points,
        cease_communication=account.cease_communication_at is not None,
        attorney_point_ids=[row.id for row in rows if row.role in (ATTORNEY, REPRESENTATIVE)],
        language=account.language,
        medical=account.medical,
        attorney_allows_direct_contact=account.attorney_allows_contact_at is not None,
        jurisdictions=account_jurisdictions(account, rows),
    )


def account_jurisdictions(account: AccountRow, points: Sequence[ContactPointRow]) -> list[str]:
    """Where the debtor is, for the rule packs (domain.rule_packs.jurisdictions_of): the address's state and
    city; where the address names no US state, every state the debtor's own good phones point to."""
    # A generator: the phones are placed (and the geocoder's data loaded) only when the address names no state.
    phones = (phone_region(row.value) for row in points if row.kind == "phone" and row.role == DEBTOR and not row.bad)
    return jurisdictions_of(state=account.state, city=account.city, postal_code=account.postal_code, phones=phones)


def phone_region(value: str) -> tuple[str | None, str | None]:
    """(state code, area code) of a North American number, from phonenumbers' geocoder (kept upstream)."""
    from phonenumbers.geocoder import description_for_number  # noqa: PLC0415 (0.6 s of data: loaded when needed)

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None, area_code(value)
    return state_of_region(description_for_number(number, "en")), area_code(value)


async def jurisdictions_of_account(session: AsyncSession, account_id: str) -> list[str]:
    """`account_jurisdictions` read from the store."""
    account = await session.get(AccountRow, account_id)
    if account is None:
        raise UnknownAccount(f"unknown account {account_id}")
    return account_jurisdictions(account, list(await session.scalars(_points_of(account_id))))


def normalize_point_value(kind: str, value: str) -> str | None:
    """A value as loading stores it (phones in E.164, emails compared lower-cased); None if malformed."""
    value = value.strip()
    if kind == "phone":
        try:
            return normalize_phone(value)
        except ValueError:
            return None
    return value.lower() if kind == "email" else value


async def find_contact_point(session: AsyncSession, account_id: str, kind: str, value: str) -> ContactPointView | None:
    normalized = normalize_point_value(kind, value)
    if normalized is None:
        return None
    column = func.lower(ContactPointRow.value) if kind == "email" else ContactPointRow.value
    row = await session.scalar(_points_of(account_id).where(ContactPointRow.kind == kind, column == normalized))
    return None if row is None else _view(row)


async def get_contact_point(session: AsyncSession, point_id: int) -> ContactPointView | None:
    row = await session.get(ContactPointRow, point_id)
    return None if row is None else _view(row)


async def set_point_flags(
    session: AsyncSession,
    *,
    point_id: int,
    opted_out: bool | None = None,
    bad: bool | None = None,
    now: datetime,
    channel: Channel | str | None = None,
    account_id: str | None = None,
    actor: str = "workflow",
    reason: str | None = None,
) -> bool:
    """Set the flags given (None leaves one alone); False if nothing changed.

    With `channel`, `opted_out` opts the point out of (or back into) that channel only, say texts to
    a phone that may still be called. With `account_id`, a point of another account is refused like
    an unknown one. `reason` says why a point became bad (domain.contact_updates.BadReason). The row
    lock makes a repeat a no-op, so no idempotency key: a flag may be cleared and set again later.
    """
    row = await session.get(ContactPointRow, point_id, with_for_update=True, populate_existing=True)
    if row is None or (account_id is not None and row.account_id != account_id):
        of_account = f" of account {account_id}" if account_id else ""
        raise UnknownContactPoint(f"unknown contact point {point_id}{of_account}")
    changed: dict[str, object] = {}
    if opted_out is not None and channel is not None:
        channel = Channel(channel).value
        if (channel in row.opted_out_channels) != opted_out:
            others = [c for c in row.opted_out_channels if c != channel]
            row.opted_out_channels = sorted([*others, channel]) if opted_out else others
            changed["opted_out_channels"] = row.opted_out_channels
    elif opted_out is not None and row.opted_out != opted_out:
        row.opted_out, row.opted_out_at = opted_out, now if opted_out else None
        changed["opted_out"] = opted_out
    if bad is not None and row.bad != bad:
        row.bad, row.bad_at, row.bad_reason = bad, now if bad else None, reason if bad else None
        changed["bad"] = bad
        if bad and reason:
            changed["reason"] = reason
    if not changed:
        return False
    detail = {"point_id": point_id, "kind": row.kind, **changed}
    await append_audit(
        session, account_id=row.account_id, action="contact_point.flags", detail=detail, actor=actor, now=now
    )
    await session.flush()
    return True


async def set_cease_communication(
    session: AsyncSession, account_id: str, now: datetime, actor: str = "workflow"
) -> bool:
    """Record a request to cease communication (once; it is never lifted here); False if already set."""
    account = await locked_account(session, account_id)
    if account.cease_communication_at is not None:
        return False
    account.cease_communication_at, account.updated_at = now, now
    await append_audit(
        session,
        account_id=account_id,
        action="contact.cease_communication",
        detail={},
        actor=actor,
        now=now,
        idempotency_key=f"cease:{account_id}",
    )
    await session.flush()
    return True


async def set_attorney_allows_contact(
    session: AsyncSession, account_id: str, *, reason: str, now: datetime, actor: str
) -> bool:
    """Record that the consumer's attorney allows direct contact with the consumer (1006.6(b)(2)):
    consent, or no response within a reasonable time. False (nothing changed) if already recorded."""
    if reason not in ATTORNEY_ALLOWS_CONTACT_REASONS:
        raise Refused(f"reason must be one of {', '.join(ATTORNEY_ALLOWS_CONTACT_REASONS)}, got {reason!r}")
    account = await locked_account(session, account_id)
    if account.attorney_allows_contact_at is not None:
        return False
    account.attorney_allows_contact_at, account.attorney_allows_contact_reason = now, reason
    account.updated_at = now
    await append_audit(
        session,
        account_id=account_id,
        action="contact.attorney_allows_contact",
        detail={"reason": reason},
        actor=actor,
        now=now,
        idempotency_key=f"attorney-allows-contact:{account_id}",
    )
    await session.flush()
    return True


async def add_attorney(
    session: AsyncSession,
    *,
    account_id: str,
    name: str,
    phone: str | None,
    email: str | None,
    now: datetime,
    actor: str = "ops",
    role: str = ATTORNEY,
) -> list[int]:
    """The debtor's attorney (or the estate's representative) as contact points with that role; their ids.

    A point the account already has with that value becomes the attorney's. Repeating the call
    changes nothing and returns the same ids.
    """
    await locked_account(session, account_id)
    if not name.strip() or not (phone or email):
        raise Refused(f"the {role} needs a name and a phone or an email")
    phone = parsed(normalize_phone, phone, f"the {role}'s phone") if phone else None
    wanted = [("phone", phone), ("email", email.strip() if email else None)]
    ids: list[int] = []
    for kind, value in wanted:
        if value is None:
            continue
        known = await find_contact_point(session, account_id, kind, value)
        row = None if known is None else await session.get(ContactPointRow, known.contact_point_id)
        if row is None:
            row = ContactPointRow(account_id=account_id, kind=kind, value=value, created_at=now)
            session.add(row)
        row.role, row.label = role, name.strip()
        await session.flush()
        ids.append(row.id)
    await append_audit(
        session,
        account_id=account_id,
        action=f"contact.{role}_added",
        detail={"point_ids": ids},
        actor=actor,
        now=now,
        idempotency_key=f"{role}:{account_id}:{'-'.join(map(str, ids))}",
    )
    return ids


def _points_of(account_id: str) -> Select[ContactPointRow]:
    return select(ContactPointRow).where(ContactPointRow.account_id == account_id).order_by(ContactPointRow.id)


def _view(row: ContactPointRow) -> ContactPointView:
    return view_of(ContactPointView, row, contact_point_id=row.id)
