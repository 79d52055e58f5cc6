"""Creditor changes the way an operator sees them, as processes: a new charge and the creditor's credits on a
running account (status and the statement show them), a write-down credit beyond an operations user's
authority refused, and a creditor recall during an agency placement (recalled, no more contact)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import RECENTLY_DUE, wait_until
from tests.e2e.test_write_downs_end_to_end import Store, one_line

pytestmark = pytest.mark.e2e
LONG_PAST_DUE = (date.today() - timedelta(days=200)).isoformat()
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
ROWS = (
    f"M1,Max Guarantor,(212) 555-0131,max@example.com,4 Main St,New York,NY,10001,America/New_York,300.00,"
    f"{RECENTLY_DUE},Northwind Clinic,false,card",
    f"G1,Lee Placed,(212) 555-0111,lee@example.com,2 Main St,New York,NY,10001,America/New_York,800.00,"
    f"{LONG_PAST_DUE},Northwind,false,card",
)


def test_charges_and_credits_change_the_balance_and_a_creditor_recall_ends_a_placed_account_recalled(
    engine_processes, tmp_path: Path
) -> None:
    supervisor, _ = engine_processes
    store = Store(supervisor)
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), *ROWS]) + "\n")
    assert supervisor("load", str(portfolio)).returncode == 0
    assert supervisor("start", "--all-past-due").returncode == 0
    wait_until(lambda: supervisor.status("M1")["stage"] == "contacting", what="M1 contacting")
    olga = supervisor.acting_as("olga", "operations")

    # a new visit: the balance goes up once, whatever is sent twice
    visit = ("--amount", "125.00", "--service-date", YESTERDAY, "--description", "office visit", "--reference", "V-1")
    charged = olga("event", "charge", "M1", *visit, "--wait")
    assert charged.returncode == 0, charged.stderr
    assert charged.stdout.startswith(f"charge V-1 of $125.00 (service {YESTERDAY}) sent to account M1; a new debt")
    assert "needs validation information of its own (1006.34(a)(1))" in charged.stdout
    assert charged.stdout.strip().endswith("applied: balance $425.00, stage contacting")
    twice = olga("event", "charge", "M1", *visit)
    assert twice.returncode == 0 and twice.stdout.startswith("duplicate: the creditor's charge V-1 was already")

    # an insurer's payment is money received: an operations user enters it
    paid = olga("event", "credit", "M1", "--amount", "40.00", "--kind", "insurance", "--reference", "EOB-1", "--wait")
    assert paid.returncode == 0, paid.stderr
    assert paid.stdout.strip() == (
        "insurance credit EOB-1 of $40.00 sent to account M1; applied: balance $385.00, stage contacting"
    )
    # an adjustment is a write-down: beyond olga's authority (WRITE_DOWN_LIMIT 0.00), a supervisor enters it
    one_line(
        olga("event", "credit", "M1", "--amount", "10.00", "--kind", "adjustment", "--reference", "ADJ-1"),
        "adjustment of $10.00 is a write-down over the limit of $0.00 for olga (operations): a supervisor enters it",
    )
    adjusted = supervisor(
        "event", "credit", "M1", "--amount", "10.00", "--kind", "adjustment", "--reference", "ADJ-1", "--wait"
    )
    assert adjusted.returncode == 0 and "applied: balance $375.00" in adjusted.stdout, adjusted.stderr
    one_line(
        olga("event", "charge", "M1", "--amount", "5.00", "--service-date", "2999-01-01", "--description", "x",
             "--reference", "V-2"),
        "the service date 2999-01-01 is in the future: nothing changed",
    )  # fmt: skip

    status = supervisor("status", "M1")
    assert status.returncode == 0 and "$375.00" in status.stdout and "contacting" in status.stdout, status.stdout
    assert store.balance("M1") == 37_500
    [charge] = store.audit("M1", "creditor.charged")
    assert (charge.actor, charge.detail["amount_cents"]) == ("olga", 12_500)
    assert [(e.actor, e.detail["amount_cents"]) for e in store.audit("M1", "creditor.credited")] == [
        ("olga", 4_000), ("e2e-supervisor", 1_000),
    ]  # fmt: skip
    bill = supervisor("statement", "M1")
    assert bill.returncode == 0, bill.stderr
    assert "New charge: office visit, service" in bill.stdout and "(ref. V-1)" in bill.stdout
    assert "Credit from the creditor: insurance (ref. EOB-1)" in bill.stdout
    assert "Credit from the creditor: adjustment (ref. ADJ-1)" in bill.stdout and "$375.00" in bill.stdout

    # the creditor takes back a placed account: the placement is recalled, the account ends recalled
    placed = wait_until(lambda: supervisor.status("G1").get("placement"), what="the placement")
    assert placed.startswith("#1 acme")
    recalled = olga("event", "creditor-recall", "G1", "--reason", "creditor closed the account")
    assert recalled.returncode == 0, recalled.stderr
    assert recalled.stdout.strip() == (
        "creditor recall sent to account G1: contact stops, the account ends recalled; "
        "placement #1 with acme is recalled"
    )
    wait_until(lambda: supervisor.status("G1")["stage"] == "recalled", what="G1 recalled")
    shown = supervisor("status", "G1")
    assert shown.returncode == 0 and "recalled" in shown.stdout, shown.stdout
    rows = json.loads(supervisor("placements", "list", "G1", "--json").stdout)
    assert [(r["agency_id"], r["status"], r["recall_reason"]) for r in rows] == [
        ("acme", "recalled", "creditor recall: creditor closed the account"),
    ]  # fmt: skip
    attempts = supervisor("attempts", "G1", "--json")
    assert attempts.returncode == 0 and json.loads(attempts.stdout) == [], "no contact attempt, before or after"
    one_line(
        olga("event", "creditor-recall", "G1", "--reason", "again"), "account G1 is closed (recalled): nothing changed"
    )
    [request] = store.audit("G1", "request.creditor_recall")
    assert (request.actor, request.detail["reason"]) == ("olga", "creditor closed the account")
