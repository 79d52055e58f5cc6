"""What a note must have before anything is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.notes import MAX_TEXT_LENGTH, note_problem

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("author", "text", "remind_on", "problem"),
    [
        ("sam", "called; call back Friday", None, None),
        ("sam", "remind me today", TODAY, None),
        ("sam", "remind me next week", TODAY + timedelta(days=7), None),
        ("sam", "", None, "a note needs text"),
        ("sam", " \n\t", TODAY, "a note needs text"),
        ("sam", "x" * (MAX_TEXT_LENGTH + 1), None, f"at most {MAX_TEXT_LENGTH} characters"),
        ("sam", "too late", TODAY - timedelta(days=1), "--remind-on 2026-03-09 is in the past (today is 2026-03-10)"),
        ("  ", "who?", None, "a note needs an author"),
        ("x" * 33, "long name", None, "the author's name is at most 32 characters"),
    ],
)
def test_a_note_needs_text_an_author_and_no_past_reminder(
    author: str, text: str, remind_on: date | None, problem: str | None
) -> None:
    found = note_problem(author=author, text=text, remind_on=remind_on, today=TODAY)
    assert found == problem if problem is None else (found is not None and problem in found)
