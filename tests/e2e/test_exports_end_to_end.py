"""Exports and CSV files as an operator meets them: `collections outbox export`, `placements export`,
`exports list` and `report month-end` as processes on a real SQLite store (no Temporal needed).

Issue 13, finding 5: a second export to the same file replaced the first with an empty one (rows lost,
still marked exported); finding 6: debtor and creditor fields reached the CSV files as formulas.
"""

from __future__ import annotations

import csv
import errno
import getpass
import hashlib
import os
import re
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from domain.contact import Channel
from domain.intake import AccountRecord
from ops.csv_files import FORMULA_STARTS
from ops.errors import OpsError
from ops.outbox import export_outbox_file
from store import repository
from store.db import make_engine, make_session_factory, migrate
from store.models import AccountRow
from tests.support.databases import sqlite_url

pytestmark = pytest.mark.e2e
STARTER = Path(__file__).resolve().parents[2] / "starter.py"
TODAY = datetime.now(UTC).date()
LAST_MONTH = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=2)
"""The second day of last month: the accounts are loaded then, so the month-end pack of last month has them."""
Cli = Callable[..., subprocess.CompletedProcess[str]]
HYPERLINK, CMD, SUM = '=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)"


def record(account_id: str, name: str, street: str, city: str, creditor: str) -> AccountRecord:
    return AccountRecord(
        account_id=account_id, debtor_name=name, phone="+12125550100", email=f"{account_id.lower()}@example.com",
        street=street, city=city, state="NY", postal_code="10001", timezone="America/New_York",
        balance_cents=12_345, due_date=LAST_MONTH - timedelta(days=40), creditor=creditor, medical=False,
        segment="card",
    )  # fmt: skip


class Store:
    """The SQLite store the processes use, written and read from the test as the workers would."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> Store:
        self.engine = make_engine(self.url)
        self.sessions = make_session_factory(self.engine)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.engine.dispose()

    async def load(self, *records: AccountRecord) -> None:
        loaded_at = datetime.combine(LAST_MONTH, datetime.min.time(), UTC)
        async with self.sessions() as session, session.begin():
            await repository.upsert_accounts(session, list(records), now=loaded_at)

    async def queue_calls(self, account_id: str, numbers: range) -> None:
        """Call scripts in the outbox, as the contact activity queues them (recipient: the debtor's name)."""
        async with self.sessions() as session, session.begin():
            account = await repository.get_account(session, account_id)
            assert account is not None
            [point] = [p for p in await repository.contact_points_for(session, account_id) if p.kind == "phone"]
            for n in numbers:
                await repository.enqueue_outbox(
                    session, attempt_key=f"attempt:{account_id}:{n}", account_id=account_id, channel=Channel.CALL,
                    contact_point_id=point.contact_point_id, recipient=f"{account.debtor_name}\n{account.street}",
                    subject=None, body=f"Script {n} for {account.debtor_name}", now=datetime.now(UTC),
                )  # fmt: skip

    async def place(self, *account_ids: str) -> None:
        async with self.sessions() as session, session.begin():
            for account_id in account_ids:
                await repository.place_account(
                    session, account_id=account_id, placement_no=1, agency_id="acme", balance_cents=12_345,
                    commission_bps=2_500, now=datetime.now(UTC),
                )  # fmt: skip

    async def unexported_calls(self) -> list[str]:
        async with self.sessions() as session:
            entries = await repository.outbox_entries(session, channel=Channel.CALL)
        return [e.attempt_key for e in entries if e.exported_at is None and e.export_batch_no is None]

    async def set_account(self, account_id: str, **values: object) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(update(AccountRow).where(AccountRow.account_id == account_id).values(**values))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    url = sqlite_url(tmp_path)
    await migrate(url)
    async with Store(url) as opened:
        await opened.load(record("F1", "Pat Example", "1 Main St", "New York", "Northwind Bank"))
        yield opened


@pytest.fixture
def cli(store: Store, tmp_path: Path) -> Iterator[Cli]:
    env = {**os.environ, "DATABASE_URL": store.url, "TEMPORAL_ADDRESS": "127.0.0.1:1"}
    work = tmp_path / "work"
    work.mkdir()

    def collections(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(STARTER), *args], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )

    yield collections


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def test_a_second_export_to_the_same_file_is_refused_and_no_row_is_lost(
    store: Store, cli: Cli, tmp_path: Path
) -> None:
    await store.queue_calls("F1", range(1, 4))
    calls = tmp_path / "calls.csv"

    first = cli("outbox", "export", "--channel", "call", "--file", str(calls))

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"batch 1: 3 call messages written to {calls}"
    assert [r["attempt_key"] for r in rows_of(calls)] == [f"attempt:F1:{n}" for n in (1, 2, 3)]
    assert stat.S_IMODE(calls.stat().st_mode) == 0o600
    written = calls.read_bytes()

    await store.queue_calls("F1", range(4, 6))
    again = cli("outbox", "export", "--channel", "call", "--file", str(calls))

    assert again.returncode == 1 and again.stdout == ""
    assert (
        again.stderr.strip() == f"error: {calls} already exists: an export never overwrites a file; choose a new name"
    )
    assert calls.read_bytes() == written, "the first file is intact"
    assert await store.unexported_calls() == ["attempt:F1:4", "attempt:F1:5"], "nothing marked"

    second = tmp_path / "calls-2.csv"
    done = cli("outbox", "export", "--channel", "call", "--file", str(second))
    assert done.stdout.strip() == f"batch 2: 2 call messages written to {second}", done.stderr
    exported = [r["attempt_key"] for path in (calls, second) for r in rows_of(path)]
    assert exported == [f"attempt:F1:{n}" for n in range(1, 6)], "every message in exactly one file"

    empty = tmp_path / "calls-3.csv"
    nothing = cli("outbox", "export", "--channel", "call", "--file", str(empty))
    assert nothing.returncode == 0, nothing.stderr
    assert nothing.stdout.strip() == "nothing to export: no call messages waiting; no batch made, no file written"
    assert not empty.exists()

    listed = cli("exports", "list")
    assert listed.returncode == 0, listed.stderr
    lines = [line.split() for line in listed.stdout.splitlines()]
    assert lines[0] == ["export", "batches"]
    assert [line[:7] for line in lines if line and line[0] in ("1", "2")] == [
        ["1", "outbox", "export", "of", "call", TODAY.isoformat(), lines[3][6]],
        ["2", "outbox", "export", "of", "call", TODAY.isoformat(), lines[4][6]],
    ]
    assert lines[3][8:] == [getpass.getuser(), "3", TODAY.isoformat(), lines[3][11], "UTC", str(calls)]
    assert lines[4][8:] == [getpass.getuser(), "2", TODAY.isoformat(), lines[4][11], "UTC", str(second)]
    assert len(lines) == 5, listed.stdout


async def test_a_file_that_cannot_be_written_leaves_the_rows_exportable(store: Store, cli: Cli, tmp_path: Path) -> None:
    await store.queue_calls("F1", range(1, 3))
    (tmp_path / "a-file").write_text("")

    nowhere = cli("outbox", "export", "--channel", "call", "--file", str(tmp_path / "a-file" / "calls.csv"))

    assert nowhere.returncode == 1
    assert nowhere.stderr.strip() == f"error: cannot write {tmp_path}/a-file/calls.csv: no directory {tmp_path}/a-file"
    assert await store.unexported_calls() == ["attempt:F1:1", "attempt:F1:2"]
    assert cli("exports", "list").stdout.strip() == "no exports yet"


async def test_a_write_that_fails_after_the_rows_are_marked_keeps_its_batch_to_write(
    store: Store, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.queue_calls("F1", range(1, 3))

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "link", disk_full)
        with pytest.raises(OpsError) as refused:
            await export_outbox_file(store.url, "call", tmp_path / "lost.csv", datetime.now(UTC), by="ops")
    assert str(refused.value) == (
        f"cannot write {tmp_path}/lost.csv: No space left on device; batch 1 (2 call messages) is kept: "
        "write it with 'collections outbox export --batch 1 --file NEW.csv'"
    )
    assert list(tmp_path.glob("*.csv")) == [] and list(tmp_path.glob(".csv-*")) == []
    assert "not written" in cli("exports", "list").stdout

    found = tmp_path / "found.csv"
    done = cli("outbox", "export", "--batch", "1", "--file", str(found))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"batch 1 written again: 2 call messages to {found} (identical to its first file)"
    ), "a batch never written: this is its first file"
    assert [r["attempt_key"] for r in rows_of(found)] == ["attempt:F1:1", "attempt:F1:2"]


async def test_any_batch_can_be_written_again_byte_for_byte(store: Store, cli: Cli, tmp_path: Path) -> None:
    await store.load(record("F2", "Lee Placed", "2 Main St", "Boston", "Northwind Bank"))
    await store.place("F1", "F2")
    await store.queue_calls("F1", range(1, 3))
    acme, calls = tmp_path / "acme.csv", tmp_path / "calls.csv"
    assert cli("placements", "export", "--agency", "acme", "--file", str(acme)).stdout.strip() == (
        f"batch 1: 2 placements for acme written to {acme}"
    )
    assert cli("outbox", "export", "--channel", "call", "--file", str(calls)).returncode == 0
    refused = cli("placements", "export", "--agency", "acme", "--file", str(acme))
    assert refused.returncode == 1 and "already exists: an export never overwrites a file" in refused.stderr

    copies = {name: tmp_path / f"{name}-again.csv" for name in ("acme", "calls")}
    placements = cli("placements", "export", "--batch", "1", "--file", str(copies["acme"]))
    outbox = cli("outbox", "export", "--batch", "2", "--channel", "call", "--file", str(copies["calls"]))

    assert placements.stdout.strip() == (
        f"batch 1 written again: 2 placements for acme to {copies['acme']} (identical to its first file)"
    ), placements.stderr
    assert outbox.returncode == 0, outbox.stderr
    assert copies["acme"].read_bytes() == acme.read_bytes() and copies["calls"].read_bytes() == calls.read_bytes()

    await store.set_account("F2", street="9 New St")
    moved = cli("placements", "export", "--batch", "1", "--file", str(tmp_path / "moved.csv"))
    assert "(NOT identical to its first file: the accounts' details have changed since)" in moved.stdout
    assert [r["street"] for r in rows_of(tmp_path / "moved.csv")] == ["1 Main St", "9 New St"]

    for args, error in [
        (("outbox", "export", "--batch", "1"), "error: batch 1 is a placement file for acme: nothing written"),
        (("outbox", "export", "--batch", "2", "--channel", "letter"), "error: batch 2 is an outbox export of call"),
        (("placements", "export", "--batch", "9"), "error: unknown export batch 9"),
        (("placements", "export"), "error: give --agency, or --batch N to write a past batch again"),
    ]:
        done = cli(*args, "--file", str(tmp_path / "never.csv"))
        assert done.returncode == 1 and done.stderr.startswith(error), (args, done.stderr)
        assert not (tmp_path / "never.csv").exists()
    assert hashlib.sha256(acme.read_bytes()).hexdigest() == hashlib.sha256(copies["acme"].read_bytes()).hexdigest()


def is_neutral(cell: str) -> bool:
    """What the OWASP rule asks of a cell: no formula start, unless a plain number (a credit balance, a phone)."""
    return not cell.startswith(FORMULA_STARTS) or re.fullmatch(r"[-+]?[0-9]+(\.[0-9]+)?", cell) is not None


async def test_every_csv_file_neutralises_formulas_in_debtor_and_creditor_fields(
    store: Store, cli: Cli, tmp_path: Path
) -> None:
    await store.load(
        record("X1", HYPERLINK, CMD, SUM, "-1+1"),
        record("X2", SUM, "-2+3", "Boston", HYPERLINK),
    )
    await store.set_account("X2", street="\tX", city="\rX")  # the loader trims; another path might not
    await store.place("X1", "X2")
    await store.queue_calls("X1", range(1, 2))
    await store.queue_calls("X2", range(1, 2))
    month = f"{LAST_MONTH:%Y-%m}"

    placed = cli("placements", "export", "--agency", "acme", "--file", str(tmp_path / "acme.csv"))
    queued = cli("outbox", "export", "--channel", "call", "--file", str(tmp_path / "calls.csv"))
    pack = cli("report", "month-end", "--month", month, "--out", str(tmp_path / "pack"))
    assert (placed.returncode, queued.returncode, pack.returncode) == (0, 0, 0), (
        placed.stderr + queued.stderr + pack.stderr
    )

    placements = {r["account_id"]: r for r in rows_of(tmp_path / "acme.csv")}
    assert [placements["X1"][k] for k in ("debtor_name", "street", "city", "creditor")] == [
        "'" + HYPERLINK, "'" + CMD, "'" + SUM, "'-1+1",
    ]  # fmt: skip
    assert [placements["X2"][k] for k in ("debtor_name", "street", "city", "creditor")] == [
        "'" + SUM, "'\tX", "'\rX", "'" + HYPERLINK,
    ]  # fmt: skip
    calls = {r["account_id"]: r for r in rows_of(tmp_path / "calls.csv")}
    assert calls["X1"]["recipient"] == f"'{HYPERLINK}\n{CMD}" and calls["X2"]["recipient"] == f"'{SUM}\n\tX"
    by_creditor = rows_of(tmp_path / "pack" / f"{month}-aging_by_creditor.csv")
    assert {"'" + HYPERLINK, "'-1+1"} <= {r["creditor"] for r in by_creditor}

    files = [tmp_path / "acme.csv", tmp_path / "calls.csv", *sorted((tmp_path / "pack").glob("*.csv"))]
    assert len(files) == 10  # the placement file, the calls, and the pack's 8 CSV files (its charges too)
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert cells and all(is_neutral(cell) for cell in cells), (path.name, [c for c in cells if not is_neutral(c)])
