"""Notes and their reminders, on SQLite and PostgreSQL: audited by author without their text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import repository
from store.errors import UnknownAccount
from store.views import NoteView
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


async def note(
    sessions: Sessions, text: str, remind_on: date | None = None, account_id: str = "A1", author: str = "sam"
) -> NoteView:
    async with sessions() as session, session.begin():
        return await repository.add_note(
            session, account_id=account_id, author=author, text=text, remind_on=remind_on, now=NOW
        )


async def test_notes_come_back_in_order_and_are_audited_by_author_without_their_text(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    first = await note(sessions, "  called, Pat asked for a week  ", TODAY + timedelta(days=7))
    second = await note(sessions, "letter returned", author="robin")

    async with sessions() as session:
        notes = await repository.notes_for(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert notes == [first, second]
    assert (first.text, first.author, first.remind_on, first.at) == (
        "called, Pat asked for a week", "sam", TODAY + timedelta(days=7), NOW,
    )  # fmt: skip
    audited = [(e.actor, e.detail) for e in trail if e.action == "note.added"]
    assert audited == [
        ("sam", {"note_id": first.note_id, "remind_on": (TODAY + timedelta(days=7)).isoformat()}),
        ("robin", {"note_id": second.note_id, "remind_on": None}),
    ]
    assert "Pat" not in str([e.detail for e in trail]) and "Pat" not in repr(first)


async def test_reminders_are_due_on_their_date_and_after_never_before(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "A2")
    today = await note(sessions, "today", TODAY)
    await note(sessions, "next week", TODAY + timedelta(days=7))
    await note(sessions, "no reminder")
    tomorrow = await note(sessions, "tomorrow", TODAY + timedelta(days=1), account_id="A2")

    async with sessions() as session:
        due_today = await repository.reminders_due(session, TODAY)
        due_tomorrow = await repository.reminders_due(session, TODAY + timedelta(days=1))
    assert due_today == [today]
    assert due_tomorrow == [today, tomorrow]


@pytest.mark.parametrize(
    ("text", "remind_on", "author", "error"),
    [
        ("   ", None, "sam", "a note needs text"),
        ("x", TODAY - timedelta(days=1), "sam", "is in the past"),
        ("x", None, "", "a note needs an author"),
        ("x", None, "a" * 33, "at most 32 characters"),
    ],
)
async def test_a_bad_note_is_refused_and_nothing_is_written(
    sessions: Sessions, text: str, remind_on: date | None, author: str, error: str
) -> None:
    await add_account(sessions, "A1")
    with pytest.raises(ValueError, match=error):
        await note(sessions, text, remind_on, author=author)
    with pytest.raises(UnknownAccount, match="unknown account NOPE"):
        await note(sessions, "fine", account_id="NOPE")

    async with sessions() as session:
        assert await repository.notes_for(session, "A1") == []
        assert [e.action for e in await repository.audit_trail(session, "A1")] == ["account.loaded"]
