"""`simulate --engine fast` at the command line: the report, and one-line refusals before anything runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def simulate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'untouched.db'}"}
    return subprocess.run(
        [sys.executable, str(ROOT / "starter.py"), "simulate", *args], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_fast_engine_reports_every_account_and_writes_nothing(tmp_path: Path) -> None:
    done = simulate(tmp_path, "--engine", "fast", "--accounts", "40", "--days", "60", "--vs", "demo", "--json")
    assert done.returncode == 0, done.stderr
    default, demo = json.loads(done.stdout)
    assert sum(default["by_stage"].values()) == sum(demo["by_stage"].values()) == 40
    assert default["attempts_by_channel"]["letter"] >= 40, "every account got its validation notice"
    assert default["collected_cents"] > 0 and default["right_party_contact_rate"] > 0
    assert default["attempts_by_channel"] != demo["attempts_by_channel"]
    assert not (tmp_path / "untouched.db").exists()


def test_an_unknown_engine_or_attempts_without_a_store_is_refused_in_one_line(tmp_path: Path) -> None:
    for args, says in (
        (["--engine", "warp"], "--engine must be full or fast"),
        (["--engine", "fast", "--attempts", str(tmp_path / "a.csv")], "--attempts needs --engine full"),
        (["--engine", "fast", "--chunk", "50"], "--chunk needs --engine full"),
    ):
        done = simulate(tmp_path, *args)
        assert done.returncode == 1 and says in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert done.stdout == "" and not (tmp_path / "a.csv").exists()
