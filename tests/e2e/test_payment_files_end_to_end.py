"""Issue 16, payment posting, as processes: a day's CSV file and a BAI2 lockbox file posted with the CLI.

Each item lands on the account its account number (or, failing that, its remittance reference) names, once:
the same file posted again posts nothing. Items no account can take wait in the suspense queue with their
file and line until a person applies one to an account or a supervisor refunds it; an over-payment leaves a
credit on the refunds list; a file whose control total disagrees with its items is refused whole.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.intake import ACCOUNT_COLUMNS
from ops.ach_returns import AchReturn, write_returns_file
from ops.payment_files import PaymentItem, write_sample_file
from tests.e2e.test_operations_end_to_end import RECENTLY_DUE, wait_until
from tests.e2e.test_write_downs_end_to_end import Store, one_line

pytestmark = pytest.mark.e2e
TODAY = date.today()
HEADER = "item_reference,account_number,remittance_reference,amount,received_on,payer"


def row(account_id: str, balance: str) -> str:
    return (
        f"{account_id},Lee Payer,(212) 555-0123,lee@example.com,3 Main St,New York,NY,10001,"
        f"America/New_York,{balance},{RECENTLY_DUE},Northwind,false,card"
    )


def csv_file(path: Path, rows: list[str], *, total: str) -> Path:
    path.write_text("\n".join([HEADER, *rows, f"total,{len(rows)},{total}"]) + "\n")
    return path


def lines(done_stdout: str) -> list[str]:
    return [" ".join(line.split()) for line in done_stdout.splitlines()]


def test_payment_files_post_once_and_what_no_account_takes_waits_in_suspense(engine_processes, tmp_path: Path) -> None:
    supervisor, _ = engine_processes
    store = Store(supervisor)
    olga = supervisor.acting_as("olga", "operations")
    viewer = supervisor.acting_as("vic", "viewer")
    portfolio = tmp_path / "accounts.csv"
    rows = [row("A1", "100.00"), row("A2", "200.00"), row("A3", "50.00"), row("C1", "10.00"), row("I1", "300.00")]
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), *rows]) + "\n")
    assert supervisor("load", str(portfolio)).returncode == 0
    assert supervisor("start", "--all-past-due").returncode == 0
    paid = supervisor("event", "payment", "C1", "--amount", "10.00", "--reference", "C1-PAID")
    assert paid.returncode == 0, paid.stderr
    wait_until(lambda: supervisor.status("C1")["stage"] == "paid", what="C1 paid")

    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    day1 = csv_file(tmp_path / "day1.csv", [
        f"PF-1,A1,,40.00,{TODAY},Lee Payer",
        f"PF-2,,a2 ,\"$200.00\",{TODAY},Lee Payer",  # the reference the payer copied from the letter
        f"PF-3,ZZ9,nothing,12.00,{TODAY},Jane Roe",  # no account: suspense
        f"PF-4,C1,,5.00,{TODAY},Lee Payer",  # a closed account: suspense
        f"PF-5,A3,,80.00,{TODAY},Lee Payer",  # $30.00 over the balance: a credit to refund
        f"PF-6,A1,,1.00,{tomorrow},Lee Payer",  # dated tomorrow: refused, waits in suspense
    ], total="338.00")  # fmt: skip

    one_line(viewer("payments", "post", str(day1)), "vic (viewer) may not send events or start workflows")
    posted = olga("payments", "post", str(day1))
    assert posted.returncode == 0, posted.stderr
    said = lines(posted.stdout)
    assert said[0].startswith("day1.csv (csv): 6 items, $338.00; control totals agree"), said
    assert "posted 3 $320.00 sent to their accounts" in said
    assert "suspense 3 $18.00 to apply or refund: payments suspense" in said
    assert "1 matched no account" in said and "1 for a closed account" in said
    assert f"1 refused: the payment's date {tomorrow} is in the future" in said
    assert "1 over-payment(s): $30.00 credit to refund (payments refunds)" in said
    wait_until(lambda: store.balance("A1") == 6_000 and store.balance("A3") == -3_000, what="A1 and A3 paid")
    wait_until(lambda: supervisor.status("A2")["stage"] == "paid", what="A2 paid by its reference")
    [audited] = store.audit("A1", "payment.posted")
    assert (audited.actor, audited.detail["file"], audited.detail["line"]) == ("olga", "day1.csv", 2)

    again = olga("payments", "post", str(day1))
    assert again.returncode == 0, again.stderr
    assert "posted 0 $0.00 sent to their accounts" in lines(again.stdout)
    assert "duplicates 6 $338.00 already on the book: nothing posted twice" in lines(again.stdout)
    assert (store.balance("A1"), store.balance("A2"), store.balance("A3")) == (6_000, 0, -3_000)

    queue = olga("payments", "suspense")
    assert queue.returncode == 0, queue.stderr
    assert "suspense: 3 item(s)" in queue.stdout and "day1.csv:4" in queue.stdout and "Jane Roe" in queue.stdout
    assert "account C1 is closed (paid)" in queue.stdout
    ids = {item["item_reference"]: item["id"] for item in _json(olga("payments", "suspense", "--json"))}

    # a person finds PF-3's account; olga applies it; a refund is a supervisor's
    applied = olga("payments", "resolve", str(ids["PF-3"]), "--account", "A1", "--reason", "payer phoned")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.startswith(f"suspense item {ids['PF-3']} applied: payment PF-3 sent to account A1")
    wait_until(lambda: store.balance("A1") == 4_800, what="PF-3 applied to A1")
    one_line(
        olga("payments", "resolve", str(ids["PF-3"]), "--account", "A1"), "was already resolved (applied to A1 by olga"
    )
    one_line(
        olga("payments", "resolve", str(ids["PF-4"]), "--refund", "--reason", "closed"), "olga (operations) may not"
    )
    refunded = supervisor("payments", "resolve", str(ids["PF-4"]), "--refund", "--reason", "account paid in full")
    assert refunded.returncode == 0 and "marked to be refunded by e2e-supervisor" in refunded.stdout, refunded.stderr
    refunds = supervisor("payments", "refunds")
    assert refunds.returncode == 0, refunds.stderr
    assert "A3" in refunds.stdout and "$30.00" in refunds.stdout and "account paid in full" in refunds.stdout

    # a control total that disagrees: refused whole, nothing posted, nothing queued
    bad = csv_file(tmp_path / "bad.csv", [f"PF-9,A1,,10.00,{TODAY},Lee Payer"], total="100.00")
    refused = olga("payments", "post", str(bad))
    one_line(refused, "bad.csv refused whole:")
    assert "nothing posted" in refused.stderr and store.balance("A1") == 4_800
    assert len(_json(olga("payments", "postings", "--json"))) == 2

    # a BAI2 lockbox file: one new item, one the CSV posted already
    lockbox = tmp_path / "lockbox.bai"
    write_sample_file(lockbox, [
        PaymentItem(1, "LB-1", "A1", "", 800, TODAY, "Lee Payer"),
        PaymentItem(2, "PF-1", "A1", "", 4_000, TODAY, "Lee Payer"),
    ], "bai2")  # fmt: skip
    boxed = olga("payments", "post", str(lockbox))
    assert boxed.returncode == 0, boxed.stderr
    said = lines(boxed.stdout)
    assert said[0].startswith("lockbox.bai (bai2): 2 items, $48.00") and "posted 1 $8.00 sent to their accounts" in said
    assert "duplicates 1 $40.00 already on the book: nothing posted twice" in said
    wait_until(lambda: store.balance("A1") == 4_000, what="the lockbox item on A1")

    # PF-2 paid A2 in full, then bounced: A2 is collected again where it left off, once
    bounced = olga("event", "payment-reversal", "A2", "--reference", "PF-2", "--reason", "nsf", "--return-code", "R01")
    assert bounced.returncode == 0, bounced.stderr
    assert bounced.stdout.strip() == (
        "reversal of payment PF-2 ($200.00, nsf) sent to account A2; the account was paid: collected again from "
        "where it left off (contacting)"
    )
    wait_until(lambda: supervisor.status("A2")["stage"] == "contacting", what="A2 collected again")
    assert store.balance("A2") == 20_000
    again = olga("event", "payment-reversal", "A2", "--reference", "PF-2", "--reason", "nsf")
    assert again.stdout.startswith("duplicate: reversal reversal:PF-2 was already recorded on"), again.stderr
    other = olga(
        "event", "payment-reversal", "A2", "--reference", "PF-2", "--reason", "nsf", "--reversal-reference", "X"
    )
    one_line(other, "payment PF-2 was already reversed on")
    one_line(
        olga("event", "payment-reversal", "A2", "--reference", "PF-1", "--reason", "nsf"),
        "no payment PF-1 on account A2",
    )
    unknown_reason = olga("event", "payment-reversal", "A2", "--reference", "PF-2", "--reason", "bounced")
    assert unknown_reason.returncode == 2 and "'bounced' is not one of" in unknown_reason.stderr
    assert store.balance("A2") == 20_000 and [e.actor for e in store.audit("A2", "request.payment_reversal")] == [
        "olga", "olga",
    ]  # fmt: skip
    shown = supervisor("status", "A2")
    assert shown.returncode == 0 and "$200.00" in shown.stdout, shown.stdout
    picture = supervisor("show", "A2")
    assert picture.returncode == 0 and f"{TODAY.isoformat()} (nsf, R01)" in picture.stdout, picture.stdout

    # I1 on a 3-installment plan pays the first by ACH; the bank returns it (R01): the installment is due again
    wait_until(lambda: supervisor.status("I1")["stage"] == "contacting", what="I1 contacting")
    agreed = olga("propose", "I1", "--installments", "3")
    assert agreed.returncode == 0 and agreed.stdout.startswith("accepted"), (agreed.stdout, agreed.stderr)
    first_due = wait_until(lambda: supervisor.status("I1").get("next_installment_due"), what="I1 on plan")
    assert olga("event", "payment", "I1", "--amount", "100.00", "--reference", "000000000000123").returncode == 0
    wait_until(lambda: supervisor.status("I1")["next_installment_due"] != first_due, what="installment 1 paid")
    returned = tmp_path / "returns.ach"
    write_returns_file(returned, [AchReturn(0, "091000010000001", "000000000000123", "R01", 10_000, "I1", TODAY)])
    posted_returns = olga("payments", "returns", str(returned))
    assert posted_returns.returncode == 0, posted_returns.stderr
    said = lines(posted_returns.stdout)
    assert said[0] == "returns.ach: 1 returns, $100.00; 1 reversed, 0 already reversed", said
    assert "000000000000123: may be presented again (1 of 2)" in said
    reopened = wait_until(lambda: (s := supervisor.status("I1"))["balance_cents"] == 30_000 and s, what="I1 reversed")
    assert (reopened["stage"], reopened["next_installment_due"]) == ("on_plan", first_due)
    twice = olga("payments", "returns", str(returned))
    assert lines(twice.stdout)[0] == "returns.ach: 1 returns, $100.00; 0 reversed, 1 already reversed"


def _json(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert done.returncode == 0, done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found
