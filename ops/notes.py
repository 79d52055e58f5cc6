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
