"""Issue 13, finding 9: personal data at rest and in Temporal's history, with the default configuration.

The engine as a person runs it, in a fresh folder with nothing configured (no key, no DATABASE_URL):
`starter.py dev-server` (its files in `.data/`), `worker.py` and the CLI as processes. A probate
representative's name, email and phone and a dispute reason mentioning cancer go through the workflow:
none of them is in Temporal's history as the server holds it, nor in its database files; the key file
made on first run is 0600, and so is every file in `.data/` (0700), a month-end pack, a statement, an
audit pack and an export. With PAYLOAD_ENCRYPTION=off the same words are in the history, and the worker,
the web service and the CLI said so. Processes starting together on a fresh folder end with one key.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory

from domain.intake import ACCOUNT_COLUMNS
from ops.account_view import local_activity_type
from ops.operators import add_operator, os_user
from service.payload_codec import ENCODING, KEY_ID_HEADER, parse_keys
from service.payload_key_file import key_file_entries
from tests.e2e.test_operations_end_to_end import ROOT, free_port, wait_until
from tests.support.payloads import history_payloads, raw_bytes
from web.tokens import Role

pytestmark = pytest.mark.e2e
DUE = (date.today() - timedelta(days=40)).isoformat()
REPRESENTATIVE = {"name": "Rosalind Quexley", "email": "r.quexley@example.org", "phone": "(312) 555-0142"}
DISPUTE_REASON = "billed twice during chemotherapy for breast cancer"
SECRETS = ["Quexley", "r.quexley@example.org", "555-0142", "5550142", "chemotherapy", "cancer"]
NOTHING_CONFIGURED = ("PAYLOAD_ENCRYPTION", "PAYLOAD_ENCRYPTION_KEYS", "PAYLOAD_KEY_FILE", "DATABASE_URL")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leaked(data: bytes) -> list[str]:
    return [text for text in SECRETS if text.encode().lower() in data.lower()]


@dataclass
class Home:
    """A fresh folder the engine runs in, with nothing configured but where Temporal is and who the CLI user is."""

    folder: Path
    env: dict[str, str]

    @property
    def data(self) -> Path:
        return self.folder / ".data"

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(ROOT / "starter.py"), *args], cwd=self.folder, env={**self.env, **env},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def spawn(self, script: list[str], log: Path, **env: str) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                [sys.executable, str(ROOT / script[0]), *script[1:]], cwd=self.folder, env={**self.env, **env},
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def history(self, account_id: str) -> WorkflowHistory:
        """The history as the server holds it: a client WITHOUT the engine's codec."""

        async def fetch() -> WorkflowHistory:
            client = await Client.connect(self.env["TEMPORAL_ADDRESS"])
            return await client.get_workflow_handle(f"account-{account_id}").fetch_history()

        return asyncio.run(fetch())


def fresh_home(tmp_path: Path, name: str, port: int) -> Home:
    folder = tmp_path / name
    folder.mkdir()
    operators = add_operator(tmp_path / f"{name}-operators.toml", os_user(), "pd-supervisor", Role.SUPERVISOR)
    assert operators.role == Role.SUPERVISOR
    env = {k: v for k, v in os.environ.items() if k not in NOTHING_CONFIGURED}
    env |= {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "OPERATORS_FILE": str(tmp_path / f"{name}-operators.toml"),
        "LOG_FORMAT": "json",
        "GRACEFUL_SHUTDOWN_SECONDS": "5",
        "COLUMNS": "200",
    }
    return Home(folder, env)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Home]:
    """The dev server (state in the home's `.data/`, the default) as a process; killed on the way out."""
    home = fresh_home(tmp_path, "home", free_port())
    port = home.env["TEMPORAL_ADDRESS"].rpartition(":")[2]
    server = home.spawn(["starter.py", "dev-server", "--port", port, "--headless"], tmp_path / "dev-server.log")
    try:
        wait_until(lambda: home.cli("list", "--json").returncode == 0, timeout=120, what="the dev server")
        yield home
    finally:
        server.kill()
        server.wait()


def run_estate_and_dispute(home: Home, account_id: str, **env: str) -> list[subprocess.CompletedProcess[str]]:
    """Load and start the account, wait for its validation notice (a letter to export), then the debtor's
    death, the estate's representative and a dispute."""
    row = (
        f"{account_id},Pat Doe,(212) 555-0100,pat@example.com,1 Main St,New York,NY,10001,"
        f"America/New_York,100.00,{DUE},Northwind,false,card"
    )
    accounts = home.folder.parent / f"{account_id}.csv"
    accounts.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + row + "\n")
    deadline = (date.today() + timedelta(days=90)).isoformat()
    died = (date.today() - timedelta(days=3)).isoformat()
    done = [home.cli("load", str(accounts), **env), home.cli("start", "--account", account_id, **env)]
    assert [command.returncode for command in done] == [0, 0], [command.stderr for command in done]

    def status() -> dict[str, int]:
        shown = home.cli("status", account_id, "--json", **env)
        return json.loads(shown.stdout) if shown.returncode == 0 else {}

    wait_until(lambda: status().get("attempts_count", 0) >= 1, timeout=120, what=f"{account_id}'s first letter")
    commands = [
        ["event", "deceased", account_id, "--date-of-death", died],
        ["event", "probate", account_id, "--representative", REPRESENTATIVE["name"],
         "--email", REPRESENTATIVE["email"], "--phone", REPRESENTATIVE["phone"], "--claims-deadline", deadline],
        ["event", "dispute", account_id, "--reason", DISPUTE_REASON],
    ]  # fmt: skip
    for command in commands:
        done.append(home.cli(*command, **env))
        assert done[-1].returncode == 0, f"{command}: {done[-1].stderr}"
    return done


def recorded(home: Home, account_id: str) -> WorkflowHistory:
    """The history once the worker has handled the three signals (the representative recorded: its marker)."""

    def ready() -> WorkflowHistory | None:
        history = home.history(account_id)
        signals = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]
        done = any(local_activity_type(e) == "add_representative" for e in history.events)  # a local activity
        return history if len(signals) == 3 and done else None

    history: WorkflowHistory = wait_until(ready, timeout=120, what=f"{account_id}'s estate and dispute recorded")
    return history


def test_by_default_the_history_and_temporals_files_hold_no_personal_data_and_files_are_the_owners_only(
    engine: Home, tmp_path: Path
) -> None:
    home = engine
    worker = home.spawn(["worker.py"], tmp_path / "worker.log", COLLECTIONS_TASK_QUEUE="encrypted")
    try:
        run_estate_and_dispute(home, "E1", COLLECTIONS_TASK_QUEUE="encrypted")
        history = recorded(home, "E1")
    finally:
        worker.kill()
        worker.wait()

    key_file = home.data / "payload.key"
    keys = parse_keys(key_file_entries(key_file))
    assert leaked(raw_bytes(history)) == [], "the history as the server holds it"
    payloads = history_payloads(history)
    assert {p.metadata["encoding"] for p in payloads} == {ENCODING}
    assert {p.metadata[KEY_ID_HEADER] for p in payloads} == {keys.current_id.encode()}
    temporal_files = sorted(home.data.glob("temporal.db*"))
    assert home.data / "temporal.db" in temporal_files
    assert [(f.name, leaked(f.read_bytes())) for f in temporal_files if leaked(f.read_bytes())] == []
    worker_log = (tmp_path / "worker.log").read_text()
    assert f'"key_id": "{keys.current_id}"' in worker_log and "payloads.clear_text" not in worker_log

    status = home.cli("status", "E1")  # the engine's own clients read the encrypted history
    assert status.returncode == 0 and "E1" in status.stdout and "hold" in status.stdout, status.stderr
    assert status.stderr == "", "no warning: encryption is on"

    month = date.today().strftime("%Y-%m")
    assert home.cli("report", "month-end", "--month", month, "--out", str(home.folder / "month-end")).returncode == 0
    assert home.cli("statement", "E1", "--out", str(home.folder / "statement.html")).returncode == 0
    audit = home.cli("audit", "E1", "--out", str(home.folder / "pack"))
    assert audit.returncode == 0, audit.stderr
    exported = home.cli("outbox", "export", "--channel", "letter", "--file", str(home.folder / "letters.csv"))
    assert exported.returncode == 0, exported.stderr
    pack = json.loads((home.folder / "pack" / "history.json").read_text())
    [run] = [WorkflowHistory.from_json(pack["workflow_id"], run["history"]) for run in pack["runs"]]
    in_the_pack = b"".join(payload.data for payload in history_payloads(run))
    assert REPRESENTATIVE["name"].encode() in in_the_pack, "the audit pack's history is readable without the key"

    assert mode(home.data) == 0o700
    assert mode(key_file) == 0o600
    assert {"payload.key", "collections.db", "temporal.db"} <= {f.name for f in home.data.iterdir()}
    assert {f.name: oct(mode(f)) for f in home.data.iterdir() if mode(f) != 0o600} == {}
    written = [
        *(home.folder / "month-end").iterdir(), home.folder / "statement.html", home.folder / "letters.csv",
        *(f for f in (home.folder / "pack").rglob("*") if f.is_file()),
    ]  # fmt: skip
    assert len(written) > 5
    assert {str(f.relative_to(home.folder)): oct(mode(f)) for f in written if mode(f) != 0o600} == {}
    assert {mode(home.folder / "pack"), mode(home.folder / "pack" / "messages")} == {0o700}


def test_with_encryption_off_the_words_are_in_the_history_and_the_worker_web_and_cli_warn(
    engine: Home, tmp_path: Path
) -> None:
    home = engine
    off = {"PAYLOAD_ENCRYPTION": "off", "COLLECTIONS_TASK_QUEUE": "clear"}
    worker = home.spawn(["worker.py"], tmp_path / "worker-off.log", **off)
    web_log = tmp_path / "web-off.log"
    web = home.spawn(["starter.py", "web", "--port", str(free_port())], web_log, **off)
    try:
        done = run_estate_and_dispute(home, "C1", **off)
        history = recorded(home, "C1")
        wait_until(lambda: "web.starting" in web_log.read_text(), timeout=120, what="the web service to start")
    finally:
        for process in (worker, web):
            process.kill()
            process.wait()

    assert set(leaked(raw_bytes(history))) >= {"Quexley", "r.quexley@example.org", "cancer"}
    warning = "warning: PAYLOAD_ENCRYPTION=off: workflow and activity payloads (personal data among them) reach"
    events = [command for command in done if command.args[2] in ("start", "event")]
    assert [c.stderr.count(warning) for c in events] == [1, 1, 1, 1], "each command that sends payloads warns once"
    assert warning not in done[0].stderr, "`load` sends nothing to Temporal"
    lines = [json.loads(line) for line in (tmp_path / "worker-off.log").read_text().splitlines() if line[:1] == "{"]
    assert [line["level"] for line in lines if line["event"] == "payloads.clear_text"] == ["warning"]
    assert "payloads.encrypted" not in {line["event"] for line in lines}
    web_lines = [json.loads(line) for line in web_log.read_text().splitlines() if line[:1] == "{"]
    assert [line["level"] for line in web_lines if line["event"] == "payloads.clear_text"] == ["warning"]


def test_processes_starting_together_on_a_fresh_folder_end_with_one_key(tmp_path: Path) -> None:
    home = fresh_home(tmp_path, "together", free_port())  # nothing listens there: each stops after its key
    workers = [home.spawn(["worker.py"], tmp_path / f"worker-{n}.log", TEMPORAL_CONNECT_TRIES="1") for n in range(4)]
    listers = [subprocess.Popen(
        [sys.executable, str(ROOT / "starter.py"), "list"], cwd=home.folder, env=home.env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ) for _ in range(2)]  # fmt: skip
    assert [w.wait(timeout=150) for w in workers] == [2, 2, 2, 2]
    refusals = [lister.communicate(timeout=150)[1] for lister in listers]
    assert all("cannot reach Temporal" in refused for refused in refusals), refusals

    key_file = home.data / "payload.key"
    keys = parse_keys(key_file_entries(key_file))
    used = set()
    for n in range(4):
        for line in (tmp_path / f"worker-{n}.log").read_text().splitlines():
            if line.startswith("{") and json.loads(line)["event"] == "payloads.encrypted":
                used.add(json.loads(line)["key_id"])
    assert used == {keys.current_id} and len(keys.ids) == 1
    assert sorted(f.name for f in home.data.iterdir() if "payload" in f.name) == ["payload.key"], "no partial file"
    assert mode(key_file) == 0o600
