"""The README's run command as a user meets it: `demo --headless` starts the dev server, worker.py and
the web service as processes, plays its debtors for its full duration, and shows every stage it promises.

While it runs, the dashboard (signed in with the token the demo printed) answers 200 with the stage
counts the store has. At the end: every promised stage reached, no part of the demo stopped, and no
"database is locked" and no traceback in any output or log.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pypdf
import pytest

from ops.demo import CLOSED_EVERYWHERE
from ops.live import PROMISED_STAGES
from tests.e2e.test_operations_end_to_end import ROOT, free_port

pytestmark = pytest.mark.e2e
DEMO_SECONDS = 150  # `demo`'s default --minutes (2.5): the run as `make demo` plays it
START_SECONDS = 120
SIGN_IN = r"dashboard: (\S+)  .*\n  sign in as supervisor 'demo' with this token:\n  (\S+)\n"


def _wait_for_line(log: Path, pattern: str, process: subprocess.Popen, timeout: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := re.search(pattern, log.read_text()):
            return found
        assert process.poll() is None, f"the demo exited early:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n{log.read_text()[-3000:]}")


def _store_stages(store: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT stage, count(*) FROM accounts WHERE stage IS NOT NULL GROUP BY stage")
        return dict(rows.fetchall())


def _dashboard_stages(client: httpx.Client) -> dict[str, int]:
    page = client.get("/")
    assert page.status_code == 200, page.text[:500]
    cards = re.findall(r'href="/accounts\?stage=(\w+)"[^>]*>\s*<div class="n">(\d+)</div>', page.text)
    assert cards, "the dashboard shows accounts by stage"
    return {stage: int(count) for stage, count in cards if int(count)}


def _dashboard_agrees_with_the_store(client: httpx.Client, store: Path, demo: subprocess.Popen) -> dict[str, int]:
    """Both change as the demo plays: agreement is seen when the store reads the same before and after."""
    seen: list[tuple[dict[str, int], dict[str, int]]] = []
    while demo.poll() is None:
        before, shown, after = _store_stages(store), _dashboard_stages(client), _store_stages(store)
        if before == shown == after:
            return shown
        seen.append((before, shown))
        time.sleep(0.5)
    raise AssertionError(f"the dashboard never showed the store's stage counts; last seen {seen[-3:]}")


@pytest.mark.timeout(DEMO_SECONDS + 2 * START_SECONDS + 60)
def test_the_demo_reaches_every_stage_it_promises_and_nothing_fails(tmp_path: Path) -> None:
    web_port = free_port()
    env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "WEB_PORT": str(web_port), "COLUMNS": "80"}
    env.pop("DATABASE_URL", None)
    env.pop("COLLECTIONS_STRATEGY", None)
    output = tmp_path / "demo.out"
    with output.open("w") as out:
        demo = subprocess.Popen(
            [sys.executable, str(ROOT / "starter.py"), "demo", "--headless"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        signed_in = _wait_for_line(output, SIGN_IN, demo, START_SECONDS)
        assert signed_in.group(1) == f"http://127.0.0.1:{web_port}/"
        started = _wait_for_line(output, r"(\d+) workflows started", demo, START_SECONDS)
        assert int(started.group(1)) == 40, "the first wave: two thirds of the 60 accounts"
        _wait_for_line(output, r"second wave: 20 more accounts start in contacting", demo, DEMO_SECONDS)
        headers = {"Authorization": f"Bearer {signed_in.group(2)}"}
        with httpx.Client(base_url=signed_in.group(1), headers=headers, timeout=30) as client:
            shown = _dashboard_agrees_with_the_store(client, tmp_path / ".data" / "collections.db", demo)
        assert sum(shown.values()) == 60
        code = demo.wait(timeout=DEMO_SECONDS + 120)
    finally:
        if demo.poll() is None:
            demo.kill()
    text = output.read_text()
    assert code == 0, text[-3000:]

    reached_line = next(line for line in text.splitlines() if line.startswith("stages reached: "))
    reached = dict(re.findall(r"([a-z_]+(?: \([a-z]+\))?) (\d+)", reached_line.removeprefix("stages reached: ")))
    promised = [re.sub(r"^(\w+):(\w+)$", r"\1 (\2)", stage) for stage in PROMISED_STAGES]
    # About 10:45-12:00 UTC no US zone or territory is inside 08:00-21:00 (1006.6(b)(1)(i)): the demo says
    # so and its accounts wait; the stages that need a call are then not promised.
    if CLOSED_EVERYWHERE not in text:
        assert [stage for stage in promised if int(reached.get(stage, 0)) == 0] == [], reached_line
        assert "not reached in this run" not in text
    assert "stopped:" not in text and "error:" not in text, text[-3000:]
    assert "accounts by stage" in text and "emails received by the demo mail server" in text
    letters = re.search(r"the run's letters as print-ready PDFs \(batch (\d+), (\d+) letters?\) in (\S+)/\n", text)
    assert letters, text[-3000:]
    folder = tmp_path / letters.group(3)
    manifest = (folder / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert len(manifest) == 1 + int(letters.group(2)) and (folder / f"batch-{letters.group(1)}.pdf").is_file()
    notice = next(folder.glob("*-validation_notice.pdf"))
    page = " ".join(pypdf.PdfReader(notice).pages[0].extract_text().split())
    assert "How can you dispute the debt?" in page and "How do you want to respond?" in page, "Model Form B-1"

    logs = {path.name: path.read_text() for path in (tmp_path / ".data").glob("*.log")}
    assert set(logs) >= {"worker.log", "web.log", "dev-server.log"}
    for name, content in {**logs, "the demo's output": text}.items():
        assert "database is locked" not in content, name
        assert "Traceback" not in content, name
    assert not [line for line in logs["worker.log"].splitlines() if '"level": "error"' in line]
