"""Issue 14's "done when", small: `simulate --attempts FILE` as a process, then the independent checker
(`audit-contacts FILE`) as a process finds no contact outside 08:00-21:00 in any of the debtor's zones
(1006.6(b)(1)(i)), no more than 7 placed calls in 7 days (1006.14(b)(2)(i)(A)), no call in the 7 days
after a conversation (1006.14(b)(2)(i)(B)), nothing during a hold; and it had contacts to check."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

from ops.contact_audit_file import COLUMNS
from ops.contact_audit_zones import phone_zones
from ops.csv_files import csv_text

ROOT = Path(__file__).resolve().parents[2]


def cli(tmp_path: Path, *args: str, timeout: float = 170) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "starter.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def figure(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in:\n{text}"
    return int(match.group(1))


def test_a_simulated_book_passes_the_independent_regulation_f_check(tmp_path: Path) -> None:
    attempts = tmp_path / "attempts.csv"
    ran = cli(
        tmp_path, "simulate", "--accounts", "40", "--days", "60", "--seed", "3", "--attempts", str(attempts),
        "--dispute", "0.15", "--bankruptcy", "0.1", "--death", "0.05",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    written = figure(r"(\d+) attempts written to ", ran.stdout)
    assert f"check them with: collections audit-contacts {attempts}" in ran.stdout
    with attempts.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == written and tuple(rows[0]) == COLUMNS
    assert any(r["holds"] for r in rows), "holds were simulated and exported"
    assert all(r["address_state"] and r["debtor_phones"] for r in rows if r["point_role"] == "debtor")
    moved = {
        r["account_id"] for r in rows if r["channel"] == "call" and r["status"] == "sent" and r["address_zone"]
        and r["address_zone"] not in phone_zones(r["debtor_phones"].lstrip("'").split()[0])
    }  # fmt: skip
    assert len(moved) >= 3, "some debtors were called with an address in one zone and a phone in another"

    checked = cli(tmp_path, "audit-contacts", str(attempts))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.rstrip().endswith("no violations found"), checked.stdout
    assert "VIOLATION" not in checked.stdout
    assert figure(r"checked (\d+) attempts of \d+ accounts", checked.stdout) == written
    # not vacuous: there were calls, texts and emails to time, calls to count, conversations to wait out
    assert figure(r"(\d+) calls, texts and emails against 08:00-21:00", checked.stdout) > 50
    assert figure(r"(\d+) placed calls counted toward 7 in 7 days", checked.stdout) > 30
    assert figure(r"(\d+) telephone conversations starting a 7-day quiet period", checked.stdout) > 5
    assert any(r["template"] == "verification" for r in rows), "a dispute verified: its letter, during the hold"
    assert figure(r"(\d+) contacts while a hold was on \(allowed", checked.stdout) >= 1


def test_the_checker_as_a_process_names_each_violation_and_exits_1(tmp_path: Path) -> None:
    """1006.6(b)(1)(i): a California address and a 212 phone, called at 20:30 Pacific (23:30 Eastern)."""
    row = {c: "" for c in COLUMNS} | {
        "account_id": "A1", "attempt_no": "4", "direction": "outbound", "channel": "call", "point_id": "1",
        "point_kind": "phone", "point_role": "debtor", "status": "sent", "outcome": "no_answer",
        "at": "2026-03-03T04:30:00+00:00", "address_state": "CA", "address_zone": "America/Los_Angeles",
        "debtor_phones": "+12125550100", "point_phone": "+12125550100",
    }  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(COLUMNS, [[row[c] for c in COLUMNS]]))
    checked = cli(tmp_path, "audit-contacts", str(bad), timeout=60)
    assert checked.returncode == 1
    assert (
        "VIOLATION A1 attempt 4: 1006.6(b)(1)(i): call at 2026-03-02 23:30 in America/New_York "
        "(one of America/Los_Angeles, America/New_York)" in checked.stdout
    ), checked.stdout
    assert "1 violations in 1 accounts: 1006.6(b)(1)(i) 1" in checked.stdout

    broken = tmp_path / "broken.csv"
    broken.write_text("account_id,channel\nA1,call\n")
    refused = cli(tmp_path, "audit-contacts", str(broken), timeout=60)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip().startswith(f"error: {broken}: no column status, at"), refused.stderr


def test_an_attempts_file_already_there_is_refused_before_the_run(tmp_path: Path) -> None:
    taken = tmp_path / "taken.csv"
    taken.write_text("keep me\n")
    ran = cli(tmp_path, "simulate", "--accounts", "5", "--days", "5", "--attempts", str(taken), timeout=60)
    assert ran.returncode == 1 and "already exists: an export never overwrites a file" in ran.stderr
    assert taken.read_text() == "keep me\n" and not (tmp_path / "store.db").exists()
