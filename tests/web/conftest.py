"""The web service as a process next to the engine's (dev server, worker.py), with a token per role."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from domain.intake import ACCOUNT_COLUMNS
from store import repository
from store.db import make_engine, make_session_factory
from store.views import AuditEntryView
from tests.e2e.test_operations_end_to_end import ROOT, Operator, engine_at, free_port, wait_until

ROLES = {"alice": "supervisor", "oscar": "operations", "vera": "viewer"}
DUE = (date.today() - timedelta(days=40)).isoformat()
PORTFOLIO = [
    f"W{n},Pat Doe {n},(212) 555-01{n:02d},pat{n}@example.com,{n} Main St,New York,NY,10001,"
    f"America/New_York,{100 * n}.00,{DUE},Northwind,false,card"
    for n in range(1, 7)
]


@dataclass
class WebService:
    url: str
    tokens: dict[str, str]
    operator: Operator
    log: Path
    pid: int

    def audit(self, account_id: str) -> list[AuditEntryView]:
        """The account's audit log, read from the store."""
        url = self.operator.env["DATABASE_URL"]

        async def read() -> list[AuditEntryView]:
            engine = make_engine(url)
            try:
                async with make_session_factory(engine)() as session:
                    return await repository.audit_trail(session, account_id)
            finally:
                await engine.dispose()

        with ThreadPoolExecutor(1) as thread:  # its own event loop: a Playwright page runs one in this thread
            return thread.submit(asyncio.run, read()).result()

    def requests(self, account_id: str) -> list[AuditEntryView]:
        """The web callers' write requests recorded for the account (`request.*`; the fixture's CLI start left out)."""
        return [e for e in self.audit(account_id) if e.action.startswith("request.") and e.actor in ROLES]

    def client(self, name: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[name]}"} if name else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def web_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebService]:
    tmp = tmp_path_factory.mktemp("web")
    with engine_at(tmp) as (operator, _worker):
        operator.env["API_TOKENS_FILE"] = str(tmp / "tokens.toml")
        tokens = {}
        for name, role in ROLES.items():
            issued = operator("token", "add", "--name", name, "--role", role)
            assert issued.returncode == 0, issued.stderr
            tokens[name] = issued.stdout.strip()
        portfolio = tmp / "accounts.csv"
        portfolio.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + "\n".join(PORTFOLIO) + "\n")
        assert operator("load", str(portfolio)).returncode == 0
        started = operator("start", *(f"--account=W{n}" for n in range(1, 7)))
        assert started.returncode == 0, started.stderr
        with serving_web(operator.env, tmp / "web.log") as (url, web):
            yield WebService(url, tokens, operator, tmp / "web.log", web.pid)


@contextmanager
def serving_web(
    env: dict[str, str], log: Path, *options: str, scheme: str = "http"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`starter.py web` as a process on a free port (its output in `log`), answering; stopped on the way out."""
    port = free_port()
    with log.open("w") as out:
        web = subprocess.Popen(
            [sys.executable, "starter.py", "web", "--port", str(port), *options], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"{scheme}://127.0.0.1:{port}"
        wait_until(lambda: _answers(url), what=f"the web service (log {log})")
        yield url, web
    finally:
        web.terminate()
        web.wait(30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/login", timeout=2, verify=False).status_code == 200
    except httpx.HTTPError:
        return False


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No network beyond loopback: nothing in the background, no first-run, no GPU.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: .ci/run installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
