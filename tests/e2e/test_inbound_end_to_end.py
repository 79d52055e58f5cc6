"""A consumer calls in: `collections event inbound` on a running account, dev server, worker and CLI as processes.

1006.14(b)(2)(i)(B): no call within 7 days after a telephone conversation about the debt, whoever
placed the call. What the operator sees: the status's next action (a call, a minute after the
validation notice) is held by the quiet period until a week later once it is due (the workflow asks the
gate when a step is due), `attempts` lists the inbound call; bad input is one line and changes nothing.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import ROW, engine_at, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]  # the first call is due a minute after the notice
NEW_YORK = ZoneInfo("America/New_York")
STRATEGY = """
name = "inbound-e2e"
version = "2026-12-07"

[profiles.reg-f]
max_calls_per_7_days = 7
quiet_days_after_conversation = 7
earliest = "08:00"
latest = "21:00"
validation_notice_first = true

[segments.default]
profile = "reg-f"
cadence = [
  { channel = "letter", validation_notice = true, anchor = "start", after = "0s" },
  { channel = "call", after = "1m", repeat = 3, every = "2d" },
]
exit = { right_party_contact = "negotiating", referral_days_past_due = 180, refer_when_cadence_ends = true }
"""


def next_action_at(status_text: str) -> date:
    found = re.search(r"next action at\s+(\d{4}-\d{2}-\d{2})", status_text)
    assert found, status_text
    return date.fromisoformat(found.group(1))


def test_an_inbound_call_holds_the_next_call_for_seven_days_in_the_status_1006_14_b_2_i_B(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1006.14(b)(2)(i)(B): after the consumer's own call became a conversation, the cadence's next call waits."""
    strategy = tmp_path / "strategy.toml"
    strategy.write_text(STRATEGY)
    monkeypatch.setenv("COLLECTIONS_STRATEGY", str(strategy))  # the worker's and the CLI's
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + ROW + "\n")
    with engine_at(tmp_path) as (operator, _worker):
        assert operator("load", str(portfolio)).returncode == 0
        assert operator("start", "--account", "E1").returncode == 0
        wait_until(
            lambda: (s := operator.status("E1"))["attempts_count"] == 1 and (s["next_action"] or "").startswith("call"),
            what="the validation notice out and the first call next",
        )
        before = operator("status", "E1")
        assert before.returncode == 0, before.stderr
        assert "held by" not in before.stdout
        assert next_action_at(before.stdout) <= date.today() + timedelta(days=1), "the first call is a minute away"

        today_ny = datetime.now(UTC).astimezone(NEW_YORK).date()
        called = operator("event", "inbound", "E1", "--channel", "call", "--outcome", "refused")
        assert called.returncode == 0, called.stderr
        quiet_until = (today_ny + timedelta(days=7)).isoformat()
        assert called.stdout.strip() == (
            "inbound call recorded for account E1: a telephone conversation (refused); "
            f"no calls before {quiet_until} (1006.14(b)(2)(i)(B))"
        )

        held = wait_until(
            lambda: "conversation" in (s := operator("status", "E1").stdout) and s,
            what="the call held by the quiet period",
            timeout=120,
        )
        assert "call (reminder), held by conversation_quiet_period" in " ".join(held.split())
        assert next_action_at(held) >= today_ny + timedelta(days=7), held

        listed = operator("attempts", "E1")
        assert listed.returncode == 0, listed.stderr
        inbound_line = next(line for line in listed.stdout.splitlines() if "inbound" in line)
        assert "inbound call" in inbound_line and "received: refused" in inbound_line, listed.stdout

        before_rows = json.loads(operator("attempts", "E1", "--json").stdout)
        # the other refusals (outcome, point, before the account, viewer): tests/web/test_inbound_api.py
        future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        refused = operator("event", "inbound", "E1", "--channel", "call", "--outcome", "refused", "--at", future)
        assert refused.returncode == 1 and "is in the future: nothing changed" in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        unknown = operator("event", "inbound", "NOPE", "--channel", "call", "--outcome", "refused")
        assert unknown.returncode == 1 and "unknown account NOPE" in unknown.stderr
        assert json.loads(operator("attempts", "E1", "--json").stdout) == before_rows, "a refusal changed nothing"
