"""Rule packs as an operator meets them, the CLI and the worker run as processes: a strategy that would loosen
Massachusetts' 940 CMR 7.04(1)(f) is refused in one line (exit 1); `strategy check` names the packs that apply
whatever the strategy; a COLLECTOR_LICENSES entry that names no pack stops the worker in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import RECENTLY_DUE, ROOT, free_port

pytestmark = pytest.mark.e2e

MA_OVERLAY = "max_calls_per_7_days = 2\n"


def run(argv: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing listens: nothing here may need Temporal
        **env,
    }
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def test_940_cmr_7_04_1_f_strategy_check_refuses_a_loosening_overlay_in_one_line(tmp_path: Path) -> None:
    default = (ROOT / "strategies" / "default.toml").read_text(encoding="utf-8")
    assert default.count(MA_OVERLAY) == 1, "the shipped Massachusetts overlay"
    loose = tmp_path / "loose.toml"
    loose.write_text(default.replace(MA_OVERLAY, "max_calls_per_7_days = 5\n"), encoding="utf-8")

    done = run(["starter.py", "strategy", "check", str(loose)], tmp_path)

    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"error: {loose}: state_overlays.MA.max_calls_per_7_days: 5 would loosen rule pack US-MA "
        "(Massachusetts 940 CMR 7.04(1)(f)): at most 2 calls in 7 days; a strategy can only tighten it"
    ]


def test_strategy_check_names_the_rule_packs_that_tighten_every_strategy(tmp_path: Path) -> None:
    done = run(["starter.py", "strategy", "check", "default"], tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "strategy default version 2026-11-23: valid"
    assert "  rule pack US-MA: Massachusetts 940 CMR 7.04(1)(f), text of 2024-09-27" in lines
    assert "  rule pack US-NY-NYC: New York City DCWP rules, 6 RCNY 5-77, text of 2026-09-01" in lines
    assert "  rule pack US-CA: California Civ. Code 1788.11(f), text of 2025-01-01" in lines


def test_a_licence_for_no_rule_pack_stops_the_worker_at_once_with_one_line(tmp_path: Path) -> None:
    done = run(["worker.py"], tmp_path, COLLECTOR_LICENSES="CA=10059-99,TX=1")

    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert "invalid COLLECTOR_LICENSES: 'TX=1' is not JURISDICTION=NUMBER" in lines[0]
    assert not (tmp_path / "store.db").exists(), "it stopped before opening the store"


DEBT = f"100.00,{RECENTLY_DUE},Northwind,false,card"
ROWS = (
    f"R1,Pat Doe,(617) 555-0100,pat@example.com,1 Beacon St,Boston,MA,02108,,{DEBT}",
    # no US state on the address: the Boston 617 phone makes Massachusetts a candidate
    f"R2,Sam Roe,(617) 555-0101,sam@example.com,1 Main St,Toronto,ZZ,M5V 2T6,,{DEBT}",
    f"R3,Lee Poe,(718) 555-0102,lee@example.com,1 Court St,Brooklyn,NY,11201,,{DEBT}",
)


def test_status_names_the_rules_an_accounts_contacts_are_judged_by(engine_processes, tmp_path: Path) -> None:
    """940 CMR 7.04(1)(f) for a Boston address, and for an address with no US state but a 617 phone;
    6 RCNY 5-77 for a Brooklyn address."""
    operator, _worker = engine_processes
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + "\n".join(ROWS) + "\n")
    loaded = operator("load", str(portfolio))
    assert loaded.returncode == 0, loaded.stderr

    def rules(account_id: str) -> str:
        shown = operator("status", account_id)
        assert shown.returncode == 0, shown.stderr
        found = [line for line in shown.stdout.splitlines() if line.split()[:1] == ["rules"]]
        assert found, shown.stdout
        return " ".join(found[0].split())

    assert rules("R1") == "rules Regulation F + Massachusetts 940 CMR 7.04(1)(f)"
    assert rules("R2") == "rules Regulation F + Massachusetts 940 CMR 7.04(1)(f)"
    assert rules("R3") == "rules Regulation F + New York City DCWP rules, 6 RCNY 5-77"
    assert operator.status("R3")["rules"] == "Regulation F + New York City DCWP rules, 6 RCNY 5-77"
