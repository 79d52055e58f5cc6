"""Notes on accounts: added by a person, audited by author, a reminder surfacing in the work queue on its date."""

from __future__ import annotations

from datetime import date, datetime

from ops.account_workflows import require_account
from ops.context import OpsContext
from store import repository
from store.views import NoteView


async def add_note(
    ctx: OpsContext, account_id: str, *, text: str, author: str, remind_on: date | None, now: datetime
) -> NoteView:
    """Add the note (ValueError for empty text or a past reminder; an unknown account refused): all or nothing."""
    await require_account(ctx, account_id)
    async with ctx.sessions() as session, session.begin():
        return await repository.add_note(
            session, account_id=account_id, author=author, text=text, remind_on=remind_on, now=now
        )


async def reminder_done(ctx: OpsContext, account_id: str, note_id: int, *, actor: str, now: datetime) -> str:
    """Mark the note's reminder done: it leaves the work queue; the note stays."""
    await require_account(ctx, account_id)
    async with ctx.sessions() as session, session.begin():
        note = await repository.mark_reminder_done(
            session, account_id=account_id, note_id=note_id, actor=actor, now=now
        )
    return f"reminder of note #{note.note_id} on account {account_id} done"
