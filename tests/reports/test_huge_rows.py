"""A bad row does not take the reports down: on SQLite, sums past 2^63 cents (rows a store wrote before the
bounds, issue 13) no longer fail every KPI and month-end report with "integer overflow"."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.reports.test_cli import env, starter  # noqa: F401 (env: a fixture)

pytestmark = pytest.mark.e2e
HUGE = 2**63 - 1


def add_huge_payments(database_url: str) -> None:
    """Two payments of 2^63-1 cents in March, and the balance SQLite made of the first, as the old engine left them."""
    store = sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///"))
    try:
        with store:
            for account_id, reference in (("A1", "HUGE-1"), ("A2", "HUGE-2")):
                store.execute(
                    "INSERT INTO payments (account_id, reference, amount_cents, received_on, source,"
                    " balance_after_cents, recorded_at, commission_cents) VALUES (?, ?, ?, '2026-03-30', 'debtor',"
                    " ?, '2026-03-30 12:00:00', 0)",
                    (account_id, reference, HUGE, -HUGE),
                )
            store.execute("UPDATE accounts SET balance_cents = balance_cents - ? WHERE account_id = 'A1'", (HUGE,))
    finally:
        store.close()


def test_kpis_aging_and_the_month_end_pack_survive_sums_past_2_63_cents(
    env: dict[str, str],  # noqa: F811 (the imported fixture)
    tmp_path: Path,
) -> None:
    add_huge_payments(env["DATABASE_URL"])
    kpis = starter("report", "kpis", "--from", "2026-03-01", "--to", "2026-03-31", "--json", env=env)
    assert kpis.returncode == 0, kpis.stderr
    assert json.loads(kpis.stdout)["collected"]["amount_cents"] >= HUGE
    aging = starter("report", "aging", "--as-of", "2026-03-31", env=env)
    assert aging.returncode == 0, aging.stderr
    pack = starter("report", "month-end", "--month", "2026-03", "--out", str(tmp_path / "pack"), env=env)
    assert pack.returncode == 0, pack.stderr
    assert (tmp_path / "pack" / "2026-03-month-end.html").is_file()
