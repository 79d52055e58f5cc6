"""Owner-only files even where no entry point set the umask (the engine imported as a library, umask 022)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.report_files import write_text
from service.dev_server import private_db_file
from service.files import open_private, restrict_new_files
from store.db import ensure_sqlite_directory


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.usefixtures("lax_umask")
def test_the_sqlite_store_and_its_folder_are_made_the_owners_only(tmp_path: Path) -> None:
    store = tmp_path / "data" / "collections.db"

    ensure_sqlite_directory(f"sqlite+aiosqlite:///{store}")

    assert (mode(store), mode(store.parent)) == (0o600, 0o700)
    assert store.stat().st_size == 0, "an empty file: SQLite makes it a database"


@pytest.mark.usefixtures("lax_umask")
def test_reports_and_files_opened_private_are_0600_even_over_a_readable_file(tmp_path: Path) -> None:
    report, log = tmp_path / "2026-03-month-end.html", tmp_path / "worker.log"
    log.write_text("old\n")
    log.chmod(0o644)

    write_text(report, "<html></html>")
    with open_private(log, "a") as out:
        out.write("new\n")

    assert (mode(report), mode(log)) == (0o600, 0o600)
    assert log.read_text() == "old\nnew\n"


@pytest.mark.usefixtures("lax_umask")
def test_the_dev_servers_files_from_an_earlier_run_are_made_0600(tmp_path: Path) -> None:
    data = tmp_path / ".data"
    data.mkdir(mode=0o755)
    for name in ("temporal.db", "temporal.db-wal"):
        (data / name).write_bytes(b"")
        (data / name).chmod(0o644)

    assert private_db_file(data) == data / "temporal.db"
    assert {mode(data / name) for name in ("temporal.db", "temporal.db-wal")} == {0o600}


def test_entry_points_restrict_what_they_create(tmp_path: Path, lax_umask: None) -> None:
    restrict_new_files()
    (tmp_path / "made-by-a-library").write_text("x")
    (tmp_path / "folder").mkdir()

    assert (mode(tmp_path / "made-by-a-library"), mode(tmp_path / "folder")) == (0o600, 0o700)
