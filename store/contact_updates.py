"""Contact updates staff record: points added, corrected, retired or found bad, and the debtor's language.

Each write locks the account's row first (the lock every writer of one account queues on), so a retry that
arrives with the first finds what the first did; each is audited with who did it, never with the value.
Nothing is deleted: a retired point keeps its row (`retired_at`, `retired_by`, `retired_reason`) and is
`bad` from then on, which every reader of points (the gate's snapshot, the zones, the rule packs, the
pages) skips.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.contact_updates import BadReason, RetireReason, point_value, same_value
from domain.errors import Refused
from store.audit import append_audit
from store.errors import UnknownContactPoint
from store.idempotent import locked_account
from store.models import ContactPointRow
from store.views import ContactPointView, view_of


@dataclass(frozen=True)
class Consent:
    """Consent to texts and to autodialed calls: None leaves one as it is; True gives it (from whom, when)."""

    sms: bool | None = None
    autodialer: bool | None = None
    given_by: str = "debtor"
    given_at: datetime | None = None


@dataclass(frozen=True)
class PointAdded:
    point: ContactPointView
    created: bool
    """False: the account already had this value (a retry): nothing changed."""


async def add_contact_point(
    session: AsyncSession, *, account_id: str, kind: str, value: str, source: str, consent: Consent,
    now: datetime, actor: str,
) -> PointAdded:  # fmt: skip
    """A new point of the debtor's; the same value again (a retry) changes nothing. A value the account
    once had and retired is refused: the retired row stays as it was."""
    await locked_account(session, account_id)
    normalized = point_value(kind, value)
    for row in await _points(session, account_id, kind):
        if same_value(kind, row.value, normalized):
            if row.retired_at is not None:
                raise Refused(
                    f"{kind} #{row.id} of account {account_id} has that value and was retired on "
                    f"{row.retired_at.date().isoformat()} ({row.retired_reason}): nothing changed"
                )
            return PointAdded(_view(row), created=False)
    row = ContactPointRow(account_id=account_id, kind=kind, value=normalized, source=source, created_at=now)
    _give_consent(row, consent, now)
    session.add(row)
    await session.flush()
    detail = {"point_id": row.id, "kind": kind, "source": source, **_consent_detail(row)}
    await append_audit(
        session, account_id=account_id, action="contact_point.added", detail=detail, actor=actor, now=now,
        idempotency_key=f"contact-point-added:{row.id}",
    )  # fmt: skip
    return PointAdded(_view(row), created=True)


async def update_contact_point(
    session: AsyncSession, *, account_id: str, point_id: int, source: str | None, consent: Consent,
    now: datetime, actor: str,
) -> list[str]:  # fmt: skip
    """Change who gave a point or its consents; the fields changed ([]: nothing, as a retry finds it)."""
    await locked_account(session, account_id)
    row = await _open_point(session, account_id, point_id, "updated")
    if (consent.sms is not None or consent.autodialer is not None) and row.kind != "phone":
        raise Refused(f"contact point #{point_id} is not a phone: consent is a phone's; nothing changed")
    changed: list[str] = []
    if source is not None and row.source != source:
        row.source = source
        changed.append("source")
    changed += _give_consent(row, consent, now)
    if changed:
        detail = {"point_id": point_id, "kind": row.kind, "changed": changed, "source": row.source,
                  **_consent_detail(row)}  # fmt: skip
        await append_audit(
            session, account_id=account_id, action="contact_point.updated", detail=detail, actor=actor, now=now
        )
        await session.flush()
    return changed


async def correct_contact_point(
    session: AsyncSession, *, account_id: str, point_id: int, value: str, source: str | None, consent: Consent,
    now: datetime, actor: str,
) -> ContactPointView:  # fmt: skip
    """A corrected value: a new point (its consent only as given now, none carried over), the old one
    retired as `corrected` and pointing to it. The history of the old value stays with the old row."""
    await locked_account(session, account_id)
    old = await _open_point(session, account_id, point_id, "corrected")
    if same_value(old.kind, old.value, point_value(old.kind, value)):
        raise Refused(f"contact point #{point_id} of account {account_id} already has that value: nothing changed")
    added = await add_contact_point(
        session, account_id=account_id, kind=old.kind, value=value, source=source or old.source or "creditor",
        consent=consent, now=now, actor=actor,
    )  # fmt: skip
    if not added.created:
        raise Refused(
            f"account {account_id} already has that {old.kind} as #{added.point.contact_point_id}: "
            f"retire #{point_id} instead; nothing changed"
        )
    await _retire(
        session, old, reason=RetireReason.CORRECTED, now=now, actor=actor, replaced_by=added.point.contact_point_id
    )
    return added.point


async def retire_contact_point(
    session: AsyncSession, *, account_id: str, point_id: int, reason: str, now: datetime, actor: str
) -> ContactPointView:
    """Retire a point (never delete it); a point retired already is refused."""
    await locked_account(session, account_id)
    row = await _open_point(session, account_id, point_id, "retired")
    await _retire(session, row, reason=reason, now=now, actor=actor)
    return _view(row)


async def mark_point_bad(
    session: AsyncSession, *, account_id: str, point_id: int, reason: str, now: datetime, actor: str
) -> bool:
    """A returned letter or a bounced email makes the point bad (unusable, kept); False if it was already."""
    await locked_account(session, account_id)
    row = await _open_point(session, account_id, point_id, "marked")
    if row.bad:
        return False
    row.bad, row.bad_at, row.bad_reason = True, now, reason
    detail = {"point_id": point_id, "kind": row.kind, "bad": True, "reason": reason}
    await append_audit(
        session, account_id=account_id, action="contact_point.flags", detail=detail, actor=actor, now=now
    )
    await session.flush()
    return True


async def set_language(
    session: AsyncSession, *, account_id: str, language: str, now: datetime, actor: str
) -> str | None:
    """The debtor's language for letters and messages; the one it replaced, or None if it was already so."""
    account = await locked_account(session, account_id)
    if account.language == language:
        return None
    before, account.language, account.updated_at = account.language, language, now
    await append_audit(
        session, account_id=account_id, action="contact.language", detail={"from": before, "to": language},
        actor=actor, now=now,
    )  # fmt: skip
    await session.flush()
    return before


async def _retire(
    session: AsyncSession,
    row: ContactPointRow,
    *,
    reason: str,
    now: datetime,
    actor: str,
    replaced_by: int | None = None,
) -> None:
    row.retired_at, row.retired_by, row.retired_reason, row.replaced_by = now, actor, reason, replaced_by
    if not row.bad:
        row.bad, row.bad_at, row.bad_reason = True, now, BadReason.RETIRED.value
    detail: dict[str, Any] = {"point_id": row.id, "kind": row.kind, "reason": reason}
    if replaced_by is not None:
        detail["replaced_by"] = replaced_by
    await append_audit(
        session, account_id=row.account_id, action="contact_point.retired", detail=detail, actor=actor, now=now,
        idempotency_key=f"contact-point-retired:{row.id}",
    )  # fmt: skip
    await session.flush()


async def _open_point(session: AsyncSession, account_id: str, point_id: int, doing: str) -> ContactPointRow:
    """The account's point, not retired (a retired point can be neither changed nor retired again)."""
    row = await session.get(ContactPointRow, point_id, populate_existing=True)
    if row is None or row.account_id != account_id:
        raise UnknownContactPoint(f"account {account_id} has no contact point #{point_id}: nothing changed")
    if row.retired_at is not None:
        raise Refused(
            f"contact point #{point_id} of account {account_id} was retired on {row.retired_at.date().isoformat()} "
            f"by {row.retired_by} ({row.retired_reason}); it cannot be {doing}: nothing changed"
        )
    return row


async def _points(session: AsyncSession, account_id: str, kind: str) -> list[ContactPointRow]:
    query = select(ContactPointRow).where(ContactPointRow.account_id == account_id, ContactPointRow.kind == kind)
    return list(await session.scalars(query.order_by(ContactPointRow.id)))


def _give_consent(row: ContactPointRow, consent: Consent, now: datetime) -> list[str]:
    """Apply the consents given or withdrawn; the fields changed."""
    changed = []
    for name, wanted in (("sms", consent.sms), ("autodialer", consent.autodialer)):
        if wanted is None or getattr(row, f"consent_{name}") == wanted:
            continue
        setattr(row, f"consent_{name}", wanted)
        setattr(row, f"consent_{name}_at", (consent.given_at or now) if wanted else now)
        setattr(row, f"consent_{name}_from", consent.given_by if wanted else None)
        changed.append(f"consent_{name}")
    return changed


def _consent_detail(row: ContactPointRow) -> dict[str, Any]:
    if row.kind != "phone":
        return {}
    return {
        "consent_sms": row.consent_sms, "consent_sms_from": row.consent_sms_from,
        "consent_autodialer": row.consent_autodialer, "consent_autodialer_from": row.consent_autodialer_from,
    }  # fmt: skip


def _view(row: ContactPointRow) -> ContactPointView:
    return view_of(ContactPointView, row, contact_point_id=row.id)
