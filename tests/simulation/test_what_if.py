"""`simulate --from-store --strategy B` as a process: the store's open book under B against its current strategy."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
DUE = (date.today() - timedelta(days=40)).isoformat()


def collections(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}", "TEMPORAL_ADDRESS": "127.0.0.1:1",
        "COLLECTIONS_STRATEGY": "demo", "COLUMNS": "200",
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, str(ROOT / "starter.py"), *args], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def store_dump(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "store.db") as db:
        return list(db.iterdump())


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    rows = [
        f"W{n},Debtor {n},(212) 555-01{n:02d},w{n}@example.com,{n} Main St,New York,NY,10001,"
        f"America/New_York,{100 + n}.00,{DUE},Northwind,false,card"
        for n in range(1, 13)
    ]
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("\n".join([",".join(ACCOUNT_COLUMNS), *rows]) + "\n")
    done = collections(tmp_path, "load", str(accounts))
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_the_book_runs_under_both_strategies_and_the_store_is_unchanged(loaded: Path) -> None:
    before = store_dump(loaded)
    done = collections(loaded, "simulate", "--from-store", "--strategy", "default", "--days", "60")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "the store's open book: 12 accounts as they stand" in out
    assert "its contact history so far is not replayed" in out
    assert "current strategy demo (COLLECTIONS_STRATEGY) against default" in out
    assert "right party 35.0%: default: only 0 observations (under 30)" in out, "a fresh store has no history"
    assert "death 0.5%: default: only 0 observations (under 30)" in out
    header = next(line for line in out.splitlines() if "demo" in line and "default" in line and "┃" in line)
    assert header.index("demo") < header.index("default"), "the current strategy first, side by side"
    assert "default against demo" in out and "amount collected" in out and "cure rate (paid or settled)" in out
    assert " points " in out, "the cure rate's difference"
    assert store_dump(loaded) == before, "nothing is written to the store"


def test_from_store_refuses_in_one_line(loaded: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    empty = tmp_path_factory.mktemp("empty")
    for where, args, says in (
        (loaded, ["--engine", "full"], "--from-store runs on --engine fast"),
        (loaded, ["--accounts", "50"], "--from-store takes its accounts and rates from the store: drop --accounts"),
        (loaded, ["--right-party", "0.5"], "drop --right-party"),
        (empty, [], "the store has no open account to simulate: load accounts first"),
    ):
        done = collections(where, "simulate", "--from-store", "--strategy", "default", *args)
        assert done.returncode == 1 and says in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
