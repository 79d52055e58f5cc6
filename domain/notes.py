"""Notes on accounts: what a note must have (pure)."""

from __future__ import annotations

from datetime import date

MAX_AUTHOR_LENGTH = 32
"""The audit log's actor column: the author is the actor of the note's audit entry."""
MAX_TEXT_LENGTH = 4_000


def note_problem(*, author: str, text: str, remind_on: date | None, today: date) -> str | None:
    """Why the note cannot be taken, or None."""
    if not text.strip():
        return "a note needs text"
    if len(text) > MAX_TEXT_LENGTH:
        return f"a note is at most {MAX_TEXT_LENGTH} characters, got {len(text)}"
    if not author.strip():
        return "a note needs an author"
    if len(author) > MAX_AUTHOR_LENGTH:
        return f"the author's name is at most {MAX_AUTHOR_LENGTH} characters: {author[:MAX_AUTHOR_LENGTH]}..."
    if remind_on is not None and remind_on < today:
        return f"--remind-on {remind_on.isoformat()} is in the past (today is {today.isoformat()})"
    return None
