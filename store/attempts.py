"""Contact attempts: one row per (account, attempt number), whatever retries and races bring."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.contact import Channel, Outcome, Rule
from domain.contact_messages import AttemptStatus, attempt_key
from store.audit import append_audit
from store.contacts import local_iso, point_zones, zones_of_point
from store.errors import UnknownAccount, UnknownAttempt, UnknownContactPoint
from store.idempotent import insert_once
from store.models import AccountRow, ContactAttemptRow, ContactPointRow
from store.views import AttemptBegun, AttemptView, in_chunks

_FINISHED_FROM = {
    AttemptStatus.SENT: {AttemptStatus.SENDING, AttemptStatus.UNCONFIRMED},
    AttemptStatus.UNCONFIRMED: {AttemptStatus.SENDING},
}


async def begin_attempt(
    session: AsyncSession,
    *,
    account_id: str,
    attempt_no: int,
    channel: Channel,
    contact_point_id: int,
    template: str,
    validation_notice: bool,
    now: datetime,
    status: AttemptStatus = AttemptStatus.SENDING,
    detail: dict[str, Any] | None = None,
    actor: str = "workflow",
) -> AttemptBegun:
    """Record an attempt as 'sending' (email over SMTP, to be finished) or 'sent' (outbox).

    An attempt number already recorded is returned unchanged with `created=False`.
    """
    if status not in (AttemptStatus.SENDING, AttemptStatus.SENT):
        raise ValueError(f"an attempt begins 'sending' or 'sent', not {status!r}")
    return await _insert_once(
        session,
        account_id=account_id,
        attempt_no=attempt_no,
        channel=channel,
        contact_point_id=contact_point_id,
        status=status,
        values={"template": template, "validation_notice": validation_notice, "detail": detail or {}},
        at=now,
        now=now,
        actor=actor,
    )


async def record_blocked_attempt(
    session: AsyncSession,
    *,
    account_id: str,
    attempt_no: int,
    channel: Channel,
    contact_point_id: int | None,
    rule: Rule,
    at: datetime,
    now: datetime,
    actor: str = "workflow",
) -> AttemptBegun:
    """Record an attempt the compliance gate refused at `at`; a repeat changes nothing."""
    return await _insert_once(
        session,
        account_id=account_id,
        attempt_no=attempt_no,
        channel=channel,
        contact_point_id=contact_point_id,
        status=AttemptStatus.BLOCKED,
        values={"rule": Rule(rule).value},
        at=at,
        now=now,
        actor=actor,
    )


def inbound_key(account_id: str, inbound_id: str) -> str:
    """The idempotency key of an inbound contact: the id the operation chose when it was reported."""
    return f"inbound:{account_id}:{inbound_id}"


async def record_inbound_contact(
    session: AsyncSession,
    *,
    account_id: str,
    attempt_no: int,
    inbound_id: str,
    channel: Channel,
    contact_point_id: int | None,
    outcome: Outcome,
    consent_to_calls: bool,
    at: datetime,
    now: datetime,
    actor: str = "workflow",
    placed_by: str = "",
) -> AttemptBegun:
    """Record a contact the consumer started (status 'received', direction 'inbound'), or a call a collector
    placed by hand (`placed_by`: status 'sent', direction 'outbound'), under the workflow's next number;
    the same `inbound_id` again changes nothing (`created=False`)."""
    return await _insert_once(
        session,
        account_id=account_id,
        attempt_no=attempt_no,
        channel=channel,
        contact_point_id=contact_point_id,
        status=AttemptStatus.SENT if placed_by else AttemptStatus.RECEIVED,
        values={
            "outcome": Outcome(outcome).value,
            "outcome_at": at,
            "direction": "outbound" if placed_by else "inbound",
            "consent_to_calls": consent_to_calls,
            "detail": {"placed_by": placed_by} if placed_by else {},
        },
        at=at,
        now=now,
        actor=actor,
        key=inbound_key(account_id, inbound_id),
    )


async def finish_attempt(
    session: AsyncSession,
    *,
    account_id: str,
    attempt_no: int,
    status: AttemptStatus,
    now: datetime,
    actor: str = "workflow",
) -> AttemptView:
    """Move a 'sending' attempt to 'sent' or 'unconfirmed' ('unconfirmed' may still become 'sent').

    Any other transition leaves the row alone: the attempt as it stands comes back.
    """
    if status not in _FINISHED_FROM:
        raise ValueError(f"an attempt finishes 'sent' or 'unconfirmed', not {status!r}")
    row = await _locked(session, account_id, attempt_no)
    if row.status in _FINISHED_FROM[status]:
        row.status = status.value
        await append_audit(
            session,
            account_id=account_id,
            action=f"contact.{status.value}",
            detail={"attempt_no": attempt_no, "channel": row.channel, "point_id": row.contact_point_id},
            actor=actor,
            now=now,
            idempotency_key=f"{attempt_key(account_id, attempt_no)}:{status.value}",
        )
        await session.flush()
    return attempt_view(row)


async def abandon_attempt(
    session: AsyncSession, *, account_id: str, attempt_no: int, reason: str, now: datetime
) -> bool:
    """Forget a 'sending' attempt the channel certainly did not take, so that a retry may send it.

    False (and nothing changed) for an attempt in any other status, or none.
    """
    deleted = await session.execute(
        delete(ContactAttemptRow)
        .where(
            ContactAttemptRow.account_id == account_id,
            ContactAttemptRow.attempt_no == attempt_no,
            ContactAttemptRow.status == AttemptStatus.SENDING.value,
        )
        .returning(ContactAttemptRow.id)
    )
    if deleted.first() is None:
        return False
    await append_audit(
        session,
        account_id=account_id,
        action="contact.not_delivered",
        detail={"attempt_no": attempt_no, "reason": reason},
        actor="workflow",
        now=now,
    )
    return True


async def set_attempt_outcome(
    session: AsyncSession, *, account_id: str, attempt_no: int, outcome: Outcome, now: datetime
) -> bool:
    """What came of an attempt (the latest report wins); False if it already had this outcome."""
    row = await _locked(session, account_id, attempt_no)
    outcome = Outcome(outcome)
    if row.outcome == outcome.value:
        return False
    previous, row.outcome, row.outcome_at = row.outcome, outcome.value, now
    await append_audit(
        session,
        account_id=account_id,
        action="contact.outcome",
        detail={"attempt_no": attempt_no, "outcome": outcome.value, "previous": previous},
        actor="workflow",
        now=now,
    )
    await session.flush()
    return True


async def get_attempt(session: AsyncSession, account_id: str, attempt_no: int) -> AttemptView | None:
    row = await _by_number(session, account_id, attempt_no)
    return None if row is None else attempt_view(row)


async def attempts_for(session: AsyncSession, account_id: str | None) -> list[AttemptView]:
    """The attempts of one account (None: of all accounts), by account then attempt number."""
    query = select(ContactAttemptRow).order_by(ContactAttemptRow.account_id, ContactAttemptRow.attempt_no)
    if account_id is not None:
        query = query.where(ContactAttemptRow.account_id == account_id)
    return [attempt_view(row) for row in await session.scalars(query)]


def attempt_view(row: ContactAttemptRow) -> AttemptView:
    return AttemptView(
        account_id=row.account_id,
        attempt_no=row.attempt_no,
        channel=Channel(row.channel),
        contact_point_id=row.contact_point_id,
        status=AttemptStatus(row.status),
        rule=None if row.rule is None else Rule(row.rule),
        outcome=None if row.outcome is None else Outcome(row.outcome),
        at=row.at,
        local_at=row.local_at,
        template=row.template,
        validation_notice=row.validation_notice,
        inbound=row.direction == "inbound",
        consent_to_calls=row.consent_to_calls,
        placed_by=(row.detail or {}).get("placed_by"),
    )


async def _insert_once(
    session: AsyncSession,
    *,
    account_id: str,
    attempt_no: int,
    channel: Channel,
    contact_point_id: int | None,
    status: AttemptStatus,
    values: dict[str, Any],
    at: datetime,
    now: datetime,
    actor: str,
    key: str | None = None,
) -> AttemptBegun:
    """Record the attempt once (store/idempotent.py), with `values` for the columns its kind sets.

    The row is known by its number, or by `key` when given (an inbound contact's)."""
    values = {
        "channel": Channel(channel).value, "contact_point_id": contact_point_id, "status": status.value,
        "validation_notice": False, "detail": {}, **values,
    }  # fmt: skip
    find = partial(_by_number, session, account_id, attempt_no) if key is None else partial(_by_key, session, key)
    key = key or attempt_key(account_id, attempt_no)

    async def insert() -> ContactAttemptRow:
        account = await session.get(AccountRow, account_id)
        if account is None:
            raise UnknownAccount(f"unknown account {account_id}")
        point = await _point_of(session, account_id, values["contact_point_id"])
        row = ContactAttemptRow(
            account_id=account_id,
            attempt_no=attempt_no,
            idempotency_key=key,
            at=at,
            local_at=local_iso(at, await zones_of_point(session, account, point)),
            created_at=now,
            **values,
        )
        session.add(row)
        await session.flush()
        detail = {
            "attempt_no": attempt_no,
            "channel": row.channel,
            "point_id": row.contact_point_id,
            **{
                name: values[name]
                for name in ("template", "rule", "validation_notice", "outcome", "direction", "consent_to_calls")
                if values.get(name)
            },
        }
        await append_audit(
            session,
            account_id=account_id,
            action=f"contact.{row.status}",
            detail=detail,
            actor=actor,
            now=now,
            idempotency_key=f"{key}:{row.status}",
        )
        return row

    once = await insert_once(session, find, insert)
    return AttemptBegun(created=once.created, attempt=attempt_view(once.row))


async def _point_of(session: AsyncSession, account_id: str, point_id: int | None) -> ContactPointRow | None:
    if point_id is None:
        return None
    point = await session.get(ContactPointRow, point_id)
    if point is None or point.account_id != account_id:
        raise UnknownContactPoint(f"unknown contact point {point_id} of account {account_id}")
    return point


async def _by_number(session: AsyncSession, account_id: str, attempt_no: int) -> ContactAttemptRow | None:
    return await session.scalar(
        select(ContactAttemptRow).where(
            ContactAttemptRow.account_id == account_id, ContactAttemptRow.attempt_no == attempt_no
        )
    )


async def _by_key(session: AsyncSession, key: str) -> ContactAttemptRow | None:
    return await session.scalar(select(ContactAttemptRow).where(ContactAttemptRow.idempotency_key == key))


async def _locked(session: AsyncSession, account_id: str, attempt_no: int) -> ContactAttemptRow:
    row = await session.scalar(
        select(ContactAttemptRow)
        .where(ContactAttemptRow.account_id == account_id, ContactAttemptRow.attempt_no == attempt_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise UnknownAttempt(f"unknown contact attempt {attempt_no} of account {account_id}")
    return row


async def attempt_zones(session: AsyncSession, attempts: Sequence[AttemptView]) -> dict[tuple[str, int], str]:
    """The zone each attempt's local time was recorded in (`local_iso`'s: the first of `point_zones`), by
    (account, attempt number): the one answer the CLI and the dashboard show beside the time."""
    accounts: dict[str, AccountRow] = {}
    for ids in in_chunks(sorted({a.account_id for a in attempts})):
        accounts.update(
            (row.account_id, row)
            for row in await session.scalars(select(AccountRow).where(AccountRow.account_id.in_(ids)))
        )
    points: dict[int, ContactPointRow] = {}
    of_account: dict[str, list[ContactPointRow]] = {}
    for ids in in_chunks(sorted(accounts)):
        query = select(ContactPointRow).where(ContactPointRow.account_id.in_(ids)).order_by(ContactPointRow.id)
        for row in await session.scalars(query):
            points[row.id] = row
            of_account.setdefault(row.account_id, []).append(row)
    zones = {}
    for attempt in attempts:
        account = accounts.get(attempt.account_id)
        point = points.get(attempt.contact_point_id) if attempt.contact_point_id is not None else None
        candidates = point_zones(account, point, of_account.get(account.account_id, [])) if account is not None else ()
        zones[(attempt.account_id, attempt.attempt_no)] = candidates[0] if candidates else "UTC"
    return zones
