"""The validation notice as the print house gets it: dev server, worker.py and the CLI as processes.

An accounts file with the optional `language` and `itemization_date` columns is loaded, two accounts are
started, their workflows send the validation notice first (12 CFR 1006.34(a)), and `collections outbox
export --channel letter --out FOLDER` writes the letters as print-ready PDFs (Model Form B-1, English and
Spanish), the batch PDF and the manifest; `--batch 1 --out` writes the same bytes again; a folder with
files in it is refused in one line.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pypdf
import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import Operator, engine_at, wait_until

pytestmark = pytest.mark.e2e
STARTER = Path(__file__).resolve().parents[2] / "starter.py"
DUE = (date.today() - timedelta(days=20)).isoformat()
COLUMNS = (*ACCOUNT_COLUMNS, "language", "itemization_date")
ROWS = (
    f"L1,Pat Doe,,pat@example.com,2323 Park Street,Bethesda,MD,20815,America/New_York,2234.56,{DUE},"
    "Bank of Rockville,false,card,en,2026-01-02",
    f"L2,José Niño,,jose@example.com,1 Calle Sol,San Juan,PR,00901,America/Puerto_Rico,812.00,{DUE},"
    "Northwind,false,card,es,",
)


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def queued_letters(store: Path) -> int:
    with sqlite3.connect(store) as db:
        return int(db.execute("SELECT count(*) FROM outbox WHERE channel = 'letter'").fetchone()[0])


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Operator]:
    with engine_at(tmp_path) as (operator, _worker):
        yield operator


def test_1006_34_the_notices_a_workflow_sent_export_as_model_form_b1_pdfs(engine: Operator, tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("\n".join([",".join(COLUMNS), *ROWS]) + "\n", encoding="utf-8")
    loaded = engine("load", str(accounts))
    assert loaded.returncode == 0, loaded.stderr
    started = engine("start", "--account", "L1", "--account", "L2")
    assert started.returncode == 0, started.stderr
    wait_until(lambda: queued_letters(tmp_path / "store.db") == 2, what="both validation notices to be queued")

    out = tmp_path / "print" / "letters-1"
    (tmp_path / "print").mkdir()
    done = engine("outbox", "export", "--channel", "letter", "--out", str(out))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"batch 1: 2 letters written to {out} (2 PDFs, one per letter; all of them in {out}/batch-1.pdf (2 pages); "
        f"the print vendor's manifest {out}/manifest.csv)"
    )
    manifest = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8"))))
    assert [(m["sequence"], m["batch_first_page"]) for m in manifest] == [("1", "1"), ("2", "2")]
    by_account = {m["account_id"]: m for m in manifest}  # the two workflows queued them in either order
    assert [(m["letter"], m["language"], m["pages"]) for _, m in sorted(by_account.items())] == [
        ("validation_notice", "en", "1"),
        ("validation_notice", "es", "1"),
    ]
    assert [(m["name"], m["address_1"], m["address_2"]) for _, m in sorted(by_account.items())] == [
        ("Pat Doe", "2323 Park Street", "Bethesda, MD 20815"),
        ("José Niño", "1 Calle Sol", "San Juan, PR 00901"),
    ]
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in out.iterdir())

    english = pdf_text(out / by_account["L1"]["file"])
    for words in (
        "is a debt collector.", "a debt that you owe to Bank of Rockville.", "To: Pat Doe 2323 Park Street",
        "with account number L1.", "As of January 2, 2026, you owed: $2,234.56", "Between January 2, 2026 and today:",
        "Total amount of the debt now: $2,234.56", "How can you dispute the debt?", "What else can you do?",
        "www.cfpb.gov/debt-collection", "solicitar una copia de este formulario en español",
        "How do you want to respond?", "I want to dispute the debt because I think: This is not my debt.",
        "I want you to send me the name and address of the original creditor.", "Quiero este formulario en español.",
    ):  # fmt: skip
        assert words in english, f"{words!r} not in the English notice: {english}"
    assert "Call or write to us by " in english and ", to dispute all or part of the debt." in english

    spanish = pdf_text(out / by_account["L2"]["file"])
    itemized = date.fromisoformat(DUE)
    for words in (
        "es un cobrador de deudas.", "una deuda que usted tiene con Northwind.", "Para: José Niño 1 Calle Sol",
        f"Hasta el {itemized.day} de ", "Monto total de la deuda ahora: $812.00", "¿Cómo puede disputar la deuda?",
        "¿Cómo desea responder?", "Quiero que me envíe el nombre y la dirección del acreedor original.",
    ):  # fmt: skip
        assert words in spanish, f"{words!r} not in the Spanish notice: {spanish}"
    batch = pdf_text(out / "batch-1.pdf")
    first, second = ("Pat Doe", "José Niño") if manifest[0]["account_id"] == "L1" else ("José Niño", "Pat Doe")
    assert batch.index(first) < batch.index(second), "the batch PDF holds the letters in the manifest's order"

    again = tmp_path / "print" / "letters-1-copy"
    copy = engine("outbox", "export", "--batch", "1", "--out", str(again))
    assert copy.returncode == 0, copy.stderr
    assert copy.stdout.startswith(f"batch 1 written again: 2 letters to {again} (identical to its first files; ")
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {p.name: p.read_bytes() for p in out.iterdir()}

    refused = engine("outbox", "export", "--channel", "letter", "--out", str(out))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip() == (
        f"error: {out} is not empty: an export never overwrites a file; give a new or empty folder"
    )


def test_out_is_for_letters_only_and_takes_no_file_too(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
    }

    def collections(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(STARTER), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )

    texts = collections("outbox", "export", "--channel", "sms", "--out", str(tmp_path / "x"))
    assert texts.returncode == 1
    assert (
        texts.stderr.strip()
        == "error: --out writes letters as PDFs; sms messages go to a CSV file: give --file FILE.csv"
    )
    both = collections("outbox", "export", "--channel", "letter", "--out", "x", "--file", "x.csv")
    assert both.stderr.strip() == "error: give --file (a CSV file) or --out (a folder of letters as PDFs), not both"
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.csv").exists()
