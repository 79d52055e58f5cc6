"""Bad input at the edges: one clear line, a non-zero exit, nothing changed. No servers needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_operations_end_to_end import ROOT, ROW, operators_file

pytestmark = pytest.mark.e2e


def run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / script), *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
        "OPERATORS_FILE": str(operators_file(tmp_path / "operators.toml", "e2e-supervisor", "supervisor")),
    }


def test_a_file_with_one_bad_row_is_rejected_whole_and_reported_by_line(tmp_path: Path, env: dict[str, str]) -> None:
    bad = ROW.replace("E1,", "E2,").replace("100.00", "12.345")
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), ROW, bad]) + "\n")
    refused = run("starter.py", "load", str(portfolio), env=env)
    assert refused.returncode == 1
    assert "line 3: balance: malformed amount '12.345'" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), ROW]) + "\n")
    loaded = run("starter.py", "load", str(portfolio), "--json", env=env)
    assert '"inserted": 1' in loaded.stdout, "nothing of the rejected file was applied"


def test_a_missing_file_and_a_broken_database_url_get_one_line_errors(tmp_path: Path, env: dict[str, str]) -> None:
    missing = run("starter.py", "load", str(tmp_path / "nope.csv"), env=env)
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    broken = run("starter.py", "load", str(tmp_path / "nope.csv"), env={**env, "DATABASE_URL": "mysql://x"})
    assert broken.returncode == 1 and "invalid DATABASE_URL" in broken.stderr


def test_the_worker_refuses_a_broken_config_with_one_line_and_exit_code_2(env: dict[str, str]) -> None:
    refused = run("worker.py", env={**env, "TEMPORAL_ADDRESS": "no-port-here"})
    assert refused.returncode == 2
    assert refused.stderr.strip() == "worker: error: invalid TEMPORAL_ADDRESS: expected host:port, got 'no-port-here'"


def test_the_worker_retries_an_unreachable_temporal_then_gives_up_in_one_line(env: dict[str, str]) -> None:
    refused = run("worker.py", env={**env, "TEMPORAL_CONNECT_TRIES": "3", "LOG_FORMAT": "json"})
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert lines[-1].startswith("worker: error: cannot reach Temporal at 127.0.0.1:1 (namespace default): ")
    waits = [json.loads(line) for line in lines if '"temporal.unreachable"' in line]
    assert [(w["level"], w["attempt"], w["tries"], w["retry_in_seconds"]) for w in waits] == [
        ("warning", 1, 3, 1.0),
        ("warning", 2, 3, 2.0),
    ], "one line per failed try that another follows"
    assert {w["temporal_address"] for w in waits} == {"127.0.0.1:1"}
    assert all(w["error"].startswith("Failed client connect: ") for w in waits)


def test_the_cli_says_so_when_temporal_is_unreachable(tmp_path: Path, env: dict[str, str]) -> None:
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), ROW]) + "\n")
    assert run("starter.py", "load", str(portfolio), env=env).returncode == 0
    refused = run("starter.py", "start", "--account", "E1", env=env)
    assert refused.returncode == 1 and "cannot reach Temporal at 127.0.0.1:1" in refused.stderr
    web = run("starter.py", "web", "--port", "1", env=env)
    assert web.returncode == 1, web.stderr
    assert web.stderr.strip().startswith("error: cannot reach Temporal at 127.0.0.1:1"), web.stderr
    assert len(web.stderr.strip().splitlines()) == 1 and "Traceback" not in web.stdout + web.stderr


def test_a_broken_strategy_file_is_refused_with_the_field_named(tmp_path: Path, env: dict[str, str]) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\nversion = "1"\n[segments.default]\ncadence = [{ channel = "fax" }]\n')
    refused = run("starter.py", "strategy", "check", str(broken), env=env)
    assert refused.returncode == 1
    assert "segments.default.cadence[0].channel: one of letter, email, sms, call" in refused.stderr
    shipped = run("starter.py", "strategy", "check", "default", env=env)
    assert shipped.returncode == 0 and "strategy default version" in shipped.stdout
