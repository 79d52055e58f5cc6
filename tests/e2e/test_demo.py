"""The README's run command: the demo brings up the dev server and worker and moves accounts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_operations_end_to_end import ROOT, free_port

pytestmark = pytest.mark.e2e


def test_the_demo_sends_letters_and_emails_and_moves_accounts_on(tmp_path: Path) -> None:
    web_port = free_port()
    env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "COLUMNS": "120", "WEB_PORT": str(web_port)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(ROOT / "starter.py"), "demo", "--accounts", "12", "--minutes", "0.5", "--no-stay"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "12 workflows started" in done.stdout

    def final_count(stage: str) -> int:
        counts = re.findall(rf"│ {stage}\s+│ (\d+)", done.stdout)
        return int(counts[-1]) if counts else 0

    moved_on = ("paid", "negotiating", "on_plan", "settled")
    assert sum(final_count(stage) for stage in moved_on) > 0, done.stdout[-3000:]
    letters = re.search(r"letter: (\d+) sent", done.stdout)
    emails = re.search(r"emails received by the demo mail server: (\d+)", done.stdout)
    assert letters and int(letters.group(1)) >= 12, "every account gets its validation notice"
    assert emails and int(emails.group(1)) > 0, done.stdout[-3000:]
    assert (tmp_path / ".data" / "collections.db").exists() and (tmp_path / ".data" / "temporal.db").exists()
    assert not [line for line in (tmp_path / ".data" / "worker.log").read_text().splitlines() if '"error"' in line]
    assert f"dashboard: http://127.0.0.1:{web_port}/" in done.stdout, "the run command starts the dashboard too"
    assert "Application startup complete" in (tmp_path / ".data" / "web.log").read_text()
