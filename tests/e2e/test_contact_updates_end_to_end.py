"""Contact updates as a clerk makes them: dev server, worker.py and the CLI as processes.

Two running accounts whose phones have no consent to autodialed calls, on a strategy that sends the validation
notice, then an autodialed call, then a reminder letter. For the first, the debtor gives a mobile with consent
and asks for Spanish: the call goes to the new mobile, the reminder letter prints in Spanish. For the second,
its only phone is retired and a letter comes back: the call is blocked (no phone to call), `status` says so,
the next letter is held. Bad input is one line and changes nothing; a viewer may not change contacts.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest

from domain.intake import ACCOUNT_COLUMNS
from ops.demo import daytime_places
from tests.e2e.test_operations_end_to_end import Operator, engine_at, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(480)]
DUE = (date.today() - timedelta(days=20)).isoformat()
STRATEGY = """
name = "contact-updates-e2e"
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
  { channel = "call", autodialed = true, after = "90s" },
  { channel = "letter", template = "reminder", after = "30s" },
]
exit = { right_party_contact = "negotiating", referral_days_past_due = 180, refer_when_cadence_ends = false }
"""


def attempts(operator: Operator, account_id: str) -> list[dict[str, Any]]:
    done = operator("attempts", account_id, "--json")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def points(operator: Operator, account_id: str) -> dict[str, dict[str, Any]]:
    return {p["kind"]: p for p in operator.status(account_id)["contact_points"] if not p.get("retired_at")}


def one_line_refusal(done: Any, expected: str) -> None:
    assert done.returncode == 1, done.stdout
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)


def test_a_clerks_contact_updates_change_what_the_gate_allows_and_the_next_letters_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    places = [place for place in daytime_places(now, minutes=15) if place[1] != "AS"]  # 684-555: no such numbers
    if not places:
        pytest.skip("before 08:00 or after 21:00 in every US zone now (about 10:45-12:00 UTC): no call may go out")
    city, state, postal, zone, area = places[0]
    strategy = tmp_path / "strategy.toml"
    strategy.write_text(STRATEGY)
    monkeypatch.setenv("COLLECTIONS_STRATEGY", str(strategy))
    address = f"2 Elm St, {city}, {state} {postal}"
    rows = [
        f"K1,Pat Doe,({area}) 555-0100,pat@example.com,1 Oak St,{city},{state},{postal},{zone},100.00,{DUE},"
        "Northwind,false,card",
        f"K2,Lee Roe,({area}) 555-0101,lee@example.com,2 Elm St,{city},{state},{postal},{zone},200.00,{DUE},"
        "Northwind,false,card",
    ]
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), *rows]) + "\n")
    store = tmp_path / "store.db"
    with engine_at(tmp_path) as (operator, _worker):
        assert operator("load", str(portfolio)).returncode == 0
        assert operator("start", "--account", "K1", "--account", "K2").returncode == 0
        wait_until(
            lambda: all(len(attempts(operator, a)) == 1 for a in ("K1", "K2")), what="both validation notices sent"
        )
        today = datetime.now(UTC).date().isoformat()

        # K1: the debtor gives a mobile with consent to autodialed calls, and asks for Spanish.
        added = operator(
            "contact", "add", "K1", "phone", f"({area}) 555-0142", "--source", "debtor", "--autodialer-consent"
        )
        assert added.returncode == 0, added.stderr
        mobile = next(p for p in operator.status("K1")["contact_points"] if p["value"] == f"+1{area}5550142")
        assert added.stdout.strip() == (
            f"phone #{mobile['point']} added to account K1 (from debtor, texts no, autodialed calls yes "
            f"(debtor, {today})): the gate uses it now"
        )
        again = operator("contact", "add", "K1", "phone", f"+1 {area} 555 0142", "--source", "debtor")
        assert again.returncode == 0 and again.stdout.strip() == (
            f"duplicate: account K1 already has that phone as #{mobile['point']}; nothing changed"
        )
        spanish = operator("contact", "language", "K1", "es")
        assert spanish.returncode == 0, spanish.stderr
        assert spanish.stdout.strip() == (
            "account K1 now in Spanish (was English): the next letter and message in Spanish"
        )

        # K2: its only phone is disconnected, and the validation notice comes back.
        k2 = points(operator, "K2")
        phone, letter_to = k2["phone"]["point"], k2["address"]["point"]
        retired = operator("contact", "retire", "K2", str(phone), "--reason", "disconnected")
        assert retired.returncode == 0, retired.stderr
        assert retired.stdout.strip() == (
            f"phone #{phone} of account K2 retired (disconnected): kept, never used again; "
            "the account has no usable phone left: no call or text can go out"
        )
        returned = operator("contact", "returned-mail", "K2", "--address", address.upper())
        assert returned.returncode == 0, returned.stderr
        assert returned.stdout.strip() == (
            f"address #{letter_to} of account K2 marked undeliverable (returned mail): no more contact there; "
            "the account has no usable address left: no letter can go out"
        )

        # Bad input: one line each, nothing changed.
        before = (operator.status("K1")["contact_points"], operator.status("K2")["contact_points"])
        one_line_refusal(
            operator("contact", "retire", "K2", str(phone)),
            f"contact point #{phone} of account K2 was retired on {today} by e2e-supervisor (disconnected); "
            "it cannot be retired: nothing changed",
        )
        one_line_refusal(
            operator("contact", "add", "K1", "phone", "(999) 555-0100", "--source", "debtor"),
            "error: malformed phone '(999) 555-0100': not a number in service anywhere (phonenumbers): nothing changed",
        )
        one_line_refusal(
            operator("contact", "add", "K1", "email", "pat at example", "--source", "debtor"),
            "malformed email 'pat at example': expected name@domain.tld: nothing changed",
        )
        one_line_refusal(
            operator("contact", "add", "K1", "email", "p@example.com", "--source", "debtor", "--sms-consent"),
            "consent to texts or autodialed calls is a phone's, not an email's: nothing changed",
        )
        one_line_refusal(
            operator("contact", "add", "NOPE", "phone", f"({area}) 555-0199", "--source", "debtor"),
            "unknown account NOPE",
        )
        one_line_refusal(operator("contact", "retire", "K1", "99999"), "account K1 has no contact point #99999")
        one_line_refusal(operator("contact", "language", "K1", "fr"), "unknown language 'fr': one of en (English)")
        viewer = operator.acting_as("vera", "viewer")
        one_line_refusal(
            viewer("contact", "add", "K1", "phone", f"({area}) 555-0199", "--source", "debtor"), "vera (viewer) may not"
        )
        assert (operator.status("K1")["contact_points"], operator.status("K2")["contact_points"]) == before

        # The gate: K1's call goes to the new mobile; K2 has no phone to call.
        calls = wait_until(
            lambda: [a for a in attempts(operator, "K1") if a["channel"] == "call"], what="K1's call", timeout=180
        )
        assert calls[0]["status"] == "sent", calls
        with sqlite3.connect(store) as db:
            [(called,)] = db.execute(
                "SELECT contact_point_id FROM contact_attempts WHERE account_id = 'K1' AND channel = 'call'"
            ).fetchall()
        assert called == mobile["point"], "the consented mobile, not the loaded phone without consent"
        wait_until(lambda: len(attempts(operator, "K2")) >= 3, what="K2's call and letter decided", timeout=180)
        listed = operator("attempts", "K2")
        assert listed.returncode == 0, listed.stderr
        call_line = next(line for line in listed.stdout.splitlines() if " call " in line)
        assert "blocked: bad contact point" in call_line, listed.stdout
        letter_line = next(line for line in listed.stdout.splitlines() if line.startswith("3 "))
        assert "letter" in letter_line and "blocked: bad contact point" in letter_line, listed.stdout

        status = operator("status", "K2")
        assert status.returncode == 0, status.stderr
        shown = " ".join(status.stdout.split())
        assert f"#{phone} phone +1{area}5550101, from the accounts file, texts no, autodialed calls no; " in shown
        assert f"RETIRED {today} by e2e-supervisor (disconnected)" in shown
        assert f"#{letter_to} address {address}, from the accounts file; UNDELIVERABLE" in shown
        assert "phones none usable (every phone retired or bad): no call or text can go out" in shown
        assert "addresses none usable (every address retired or undeliverable): no letter can go out" in shown
        k1 = " ".join(operator("status", "K1").stdout.split())
        consented = f"from debtor, texts no, autodialed calls yes (debtor, {today})"
        assert f"#{mobile['point']} phone +1{area}5550142, {consented}" in k1
        masked = " ".join(viewer("status", "K1").stdout.split())
        assert f"+1{area}5550142" not in masked and "•••-•••-0142" in masked, "a viewer sees masked numbers"

        # The letters: K1's notice went out in English before the change, its reminder in Spanish.
        wait_until(lambda: len(attempts(operator, "K1")) >= 3, what="K1's reminder letter", timeout=120)
        out = tmp_path / "letters"
        exported = operator("outbox", "export", "--channel", "letter", "--out", str(out))
        assert exported.returncode == 0, exported.stderr
        notice = pdf_text(next(out.glob("*-K1-validation_notice.pdf")))
        reminder = pdf_text(next(out.glob("*-K1-reminder.pdf")))
        assert "How can you dispute the debt?" in notice
        assert "cobrador de deudas" in reminder and "Según nuestros registros" in reminder, reminder
        assert "debt collector" not in reminder
        assert not list(out.glob("*-K2-reminder.pdf")), "no letter to an undeliverable address"

        with sqlite3.connect(store) as db:
            trail = db.execute(
                "SELECT account_id, actor, action FROM audit_log"
                " WHERE action LIKE 'contact_point.%' OR action = 'contact.language' ORDER BY id"
            ).fetchall()
        assert trail == [
            ("K1", "e2e-supervisor", "contact_point.added"),
            ("K1", "e2e-supervisor", "contact.language"),
            ("K2", "e2e-supervisor", "contact_point.retired"),
            ("K2", "e2e-supervisor", "contact_point.flags"),
        ]
        with sqlite3.connect(store) as db:
            requests = db.execute("SELECT action FROM audit_log WHERE action LIKE 'request.contact%' ORDER BY id")
            assert [row[0] for row in requests] == [
                "request.contact_add", "request.contact_add", "request.contact_language", "request.contact_retire",
                "request.contact_returned_mail",
            ], "each change (and the duplicate add) audited as the request, by who asked"  # fmt: skip
