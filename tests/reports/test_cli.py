"""`starter.py report ...` and `starter.py statement` as processes, on the fixed portfolio, with no Temporal server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.db import make_engine, make_session_factory, migrate
from tests.reports.portfolio import build
from tests.support.databases import sqlite_url

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
STARTER = ROOT / "starter.py"


@pytest.fixture
async def env(tmp_path: Path) -> dict[str, str]:
    url = sqlite_url(tmp_path)
    await migrate(url)
    engine = make_engine(url)
    try:
        await build(make_session_factory(engine))
    finally:
        await engine.dispose()
    return {**os.environ, "DATABASE_URL": url, "TEMPORAL_ADDRESS": "127.0.0.1:1", "COMPANY_CONTACT": "Acme Recovery"}


def starter(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(STARTER), *args], env=env, capture_output=True, text=True, timeout=60)


async def test_report_aging_json_gives_the_buckets(env: dict[str, str]) -> None:
    done = starter("report", "aging", "--as-of", "2026-03-31", "--json", env=env)
    assert done.returncode == 0, done.stderr
    aging = json.loads(done.stdout)
    assert aging["as_of"] == "2026-03-31"
    # A5 350.00 (1-30), A1 850.00 (31-60), A3 170.00 (91-120): see test_figures
    assert {b: c["balance_cents"] for b, c in aging["portfolio"].items() if c["accounts"]} == {
        "1-30": 35_000, "31-60": 85_000, "91-120": 17_000, "total": 137_000,
    }  # fmt: skip
    assert aging["by_segment"]["card"]["total"] == {"accounts": 2, "balance_cents": 120_000}

    kpis = starter("report", "kpis", "--from", "2026-03-01", "--to", "2026-03-31", "--json", env=env)
    assert kpis.returncode == 0, kpis.stderr
    assert json.loads(kpis.stdout)["collected"] == {"payments": 5, "amount_cents": 112_000}


async def test_statement_prints_text_or_writes_html_and_refuses_an_unknown_account(
    env: dict[str, str], tmp_path: Path
) -> None:
    unknown = starter("statement", "NOPE", env=env)
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr.strip() == "error: unknown account NOPE"

    text = starter("statement", "A1", "--as-of", "2026-04-10", "--duplicate", env=env)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("*** DUPLICATE — reprinted on ")
    assert "Current balance: $425.00" in text.stdout and "Acme Recovery" in text.stdout

    page = tmp_path / "a1.html"
    written = starter("statement", "A1", "--as-of", "2026-04-10", "--out", str(page), env=env)
    assert written.returncode == 0, written.stderr
    assert "<!DOCTYPE html>" in page.read_text(encoding="utf-8")


async def test_month_end_writes_the_pack_and_refuses_a_bad_month(env: dict[str, str], tmp_path: Path) -> None:
    done = starter("report", "month-end", "--month", "2026-03", "--out", str(tmp_path / "pack"), "--json", env=env)
    assert done.returncode == 0, done.stderr
    files = [Path(name).name for name in json.loads(done.stdout)["files"]]
    assert "2026-03-collections.csv" in files and files[-1] == "2026-03-month-end.html"
    bad = starter("report", "month-end", "--month", "03/2026", "--out", str(tmp_path / "x"), env=env)
    assert bad.returncode == 1 and bad.stderr.strip() == "error: --month must be YYYY-MM, got '03/2026'"
    assert not (tmp_path / "x").exists()
