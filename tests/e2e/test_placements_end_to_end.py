"""Referral the way an operator sees it: placed by rule, the agency's file once, its payments, a recall."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import wait_until

pytestmark = pytest.mark.e2e
LONG_PAST_DUE = (date.today() - timedelta(days=200)).isoformat()
ROW = (
    "G1,Lee Placed,(212) 555-0111,lee@example.com,2 Main St,New York,NY,10001,"
    f"America/New_York,800.00,{LONG_PAST_DUE},Northwind,false,card"
)


def test_a_long_past_due_account_is_placed_exported_once_paid_by_the_agency_and_recalled(
    engine_processes, tmp_path: Path
) -> None:
    operator, _ = engine_processes
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + ROW + "\n")
    assert operator("load", str(portfolio)).returncode == 0
    assert operator("start", "--account", "G1").returncode == 0
    placed = wait_until(lambda: operator.status("G1").get("placement"), what="the placement")
    assert placed.startswith("#1 acme") and operator.status("G1")["stage"] == "referred"

    first, second = tmp_path / "acme-1.csv", tmp_path / "acme-2.csv"
    exported = operator("placements", "export", "--agency", "acme", "--file", str(first))
    assert exported.returncode == 0 and f"batch 1: 1 placement for acme written to {first}" in exported.stdout
    [line] = list(csv.DictReader(first.open()))
    assert (line["account_id"], line["balance_placed"], line["commission_pct"]) == ("G1", "800.00", "25")
    assert line["debtor_name"] == "Lee Placed" and line["street"] == "2 Main St"
    again = operator("placements", "export", "--agency", "acme", "--file", str(second))
    assert "nothing to export: no placements for acme waiting" in again.stdout and not second.exists()

    unknown = operator("event", "payment", "G1", "--amount", "100.00", "--reference", "AG-1", "--agency", "nobody")
    assert unknown.returncode != 0 and "unknown agency 'nobody'" in unknown.stderr
    paid = operator("event", "payment", "G1", "--amount", "100.01", "--reference", "AG-1", "--agency", "acme")
    assert paid.returncode == 0, paid.stderr

    def commission() -> int:
        done = operator("placements", "list", "G1", "--json")
        return json.loads(done.stdout)[0]["commission_cents"] if done.returncode == 0 else 0

    assert wait_until(commission, what="the agency's commission") == 2_500
    recalled = operator("placements", "recall", "G1", "--reason", "creditor recall")
    assert recalled.returncode == 0 and "recall of G1 from acme" in recalled.stdout, recalled.stderr
    desk = wait_until(lambda: "internal" in (operator.status("G1").get("placement") or ""), what="the internal desk")
    assert desk
    twice = operator("placements", "recall", "G1")
    assert twice.returncode != 0 and "already with the internal desk" in twice.stderr
    rows = json.loads(operator("placements", "list", "G1", "--json").stdout)
    assert [(r["agency_id"], r["status"], r["recall_reason"]) for r in rows] == [
        ("acme", "recalled", "creditor recall"), ("internal", "placed", None),
    ]  # fmt: skip
