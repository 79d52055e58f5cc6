"""Notes on accounts, and the reminders they set: each note audited `note.added` by its author.

The audit entry names the note and its reminder date, never its text (a note may name people).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.notes import note_problem
from store.audit import append_audit
from store.errors import UnknownAccount
from store.models import AccountRow, NoteRow
from store.views import NoteView, view_of


async def add_note(
    session: AsyncSession, *, account_id: str, author: str, text: str, remind_on: date | None, now: datetime
) -> NoteView:
    """Add a note (a reminder date today or later, or none); ValueError or UnknownAccount and nothing written."""
    if problem := note_problem(author=author, text=text, remind_on=remind_on, today=now.date()):
        raise ValueError(problem)
    if await session.get(AccountRow, account_id) is None:
        raise UnknownAccount(f"unknown account {account_id}")
    row = NoteRow(account_id=account_id, at=now, author=author.strip(), text=text.strip(), remind_on=remind_on)
    session.add(row)
    await session.flush()
    detail = {"note_id": row.id, "remind_on": None if remind_on is None else remind_on.isoformat()}
    await append_audit(session, account_id=account_id, action="note.added", detail=detail, actor=row.author, now=now)
    return _view(row)


async def notes_for(session: AsyncSession, account_id: str) -> list[NoteView]:
    """The account's notes, oldest first."""
    rows = await session.scalars(select(NoteRow).where(NoteRow.account_id == account_id).order_by(NoteRow.id))
    return [_view(row) for row in rows]


async def reminders_due(session: AsyncSession, as_of: date) -> list[NoteView]:
    """Every note whose reminder date is `as_of` or earlier, by date then note."""
    rows = await session.scalars(
        select(NoteRow)
        .where(NoteRow.remind_on <= as_of, NoteRow.reminder_done_at.is_(None))
        .order_by(NoteRow.remind_on, NoteRow.id)
    )
    return [_view(row) for row in rows]


async def mark_reminder_done(
    session: AsyncSession, *, account_id: str, note_id: int, actor: str, now: datetime
) -> NoteView:
    """The note's reminder done: it leaves the work queue (audited `note.reminder_done`); ValueError for a note
    of another account, one without a reminder, or one done already, and nothing written."""
    row = await session.get(NoteRow, note_id, with_for_update=True)
    if row is None or row.account_id != account_id:
        raise ValueError(f"account {account_id} has no note #{note_id}: nothing changed")
    if row.remind_on is None:
        raise ValueError(f"note #{note_id} has no reminder: nothing changed")
    if row.reminder_done_at is not None:
        raise ValueError(f"the reminder of note #{note_id} was done by {row.reminder_done_by}: nothing changed")
    row.reminder_done_at, row.reminder_done_by = now, actor
    detail = {"note_id": note_id, "remind_on": row.remind_on.isoformat()}
    await append_audit(session, account_id=account_id, action="note.reminder_done", detail=detail, actor=actor, now=now)
    return _view(row)


def _view(row: NoteRow) -> NoteView:
    return view_of(NoteView, row, note_id=row.id)
