"""Hold events the way an operator sends them: bad ones refused in one line, good ones stop and resume."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import RECENTLY_DUE, wait_until

pytestmark = pytest.mark.e2e


def row(account_id: str) -> str:
    return (
        f"{account_id},Kim Held,(212) 555-0123,kim@example.com,3 Main St,New York,NY,10001,"
        f"America/New_York,300.00,{RECENTLY_DUE},Northwind,false,card"
    )


def test_bankruptcy_and_dispute_events_hold_resume_and_close_and_bad_ones_change_nothing(
    engine_processes, tmp_path: Path
) -> None:
    operator, _ = engine_processes
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), row("B1"), row("D1")]) + "\n")
    assert operator("load", str(portfolio)).returncode == 0
    assert operator("start", "--all-past-due").returncode == 0
    wait_until(lambda: operator.status("B1")["stage"] == "contacting", what="B1 contacting")
    today = date.today().isoformat()

    def one_line_refusal(*args: str, says: str) -> None:
        done = operator("event", *args)
        assert done.returncode != 0 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr

    chapter_9 = ("bankruptcy", "B1", "--chapter", "9", "--case-number", "26-1", "--filed-on", today)
    one_line_refusal(*chapter_9, says="chapter must be one of")
    one_line_refusal("bankruptcy-dismissed", "B1", says="has no open bankruptcy hold")
    assert operator.status("B1")["stage"] == "contacting"

    filed = operator(
        "event", "bankruptcy", "B1", "--chapter", "7", "--case-number", "26-10001", "--court", "SDNY",
        "--filed-on", today,
    )  # fmt: skip
    assert filed.returncode == 0, filed.stderr
    held = wait_until(lambda: operator.status("B1")["stage"] == "on_hold" and operator.status("B1"), what="the stay")
    assert held["hold"] == "bankruptcy: chapter 7"
    assert operator("event", "bankruptcy-dismissed", "B1").returncode == 0
    wait_until(lambda: operator.status("B1")["stage"] == "contacting", what="collection to resume")

    assert operator("event", "dispute", "D1", "--reason", "not mine").returncode == 0
    wait_until(lambda: operator.status("D1")["stage"] == "on_hold", what="the dispute hold")
    one_line_refusal("dispute-resolved", "D1", "--outcome", "maybe", says="verified or upheld")
    one_line_refusal("probate", "D1", "--representative", "Al", "--claims-deadline", today, "--email", "a@example.com",
                     says="has no open deceased hold")  # fmt: skip
    assert operator("event", "dispute-resolved", "D1", "--outcome", "upheld").returncode == 0
    closed = wait_until(lambda: operator.status("D1")["stage"] == "closed" and operator.status("D1"), what="closed")
    assert closed["balance_cents"] == 0
