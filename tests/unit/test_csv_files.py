"""The one CSV writer: formula cells neutralised (OWASP), files never overwritten by an export, mode 0600."""

from __future__ import annotations

import csv
import errno
import os
import re
import stat
from datetime import date
from pathlib import Path

import pytest

from ops.csv_files import neutralise, write_csv, write_new_csv
from ops.errors import OpsError

ROOT = Path(__file__).resolve().parents[2]
INJECTIONS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-1+1", "\tX", "\rX", "-", "=1"]


@pytest.mark.parametrize("cell", INJECTIONS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    ("value", "written"),
    [("-12.50", "-12.50"), ("+12125550100", "+12125550100"), ("42", "42"), (-7, "-7"),
     ("Pat O'Neil", "Pat O'Neil"), ("a=b", "a=b"), (None, ""),
     (date(2026, 3, 1), "2026-03-01"), ("'quoted", "'quoted"), ("-1e5", "'-1e5"), ("-١٠", "'-١٠")],
)  # fmt: skip
def test_plain_numbers_and_ordinary_text_are_written_as_they_are(value: object, written: str) -> None:
    assert neutralise(value) == written


def test_the_file_reads_back_with_every_formula_cell_quoted(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["name", "=header"], [[cell, "-3.00"] for cell in INJECTIONS])

    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["name", "'=header"]
    assert rows == [["'" + cell, "-3.00"] for cell in INJECTIONS]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_file_never_replaces_one_already_there(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("the first export\n")

    with pytest.raises(OpsError, match=r"calls.csv already exists: an export never overwrites a file"):
        write_new_csv(path, ["a"], [["1"]])

    assert path.read_text() == "the first export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["calls.csv"], "no temporary file left behind"


def test_a_new_file_is_whole_and_owner_only(tmp_path: Path) -> None:
    content = write_new_csv(tmp_path / "new.csv", ["a", "b"], [["1", "x"]])

    assert (tmp_path / "new.csv").read_bytes() == content == b"a,b\r\n1,x\r\n"
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o600


def test_every_csv_the_engine_writes_goes_through_the_one_writer() -> None:
    """No csv.writer anywhere in the engine's code but ops/csv_files.py, and the payment files' sample writer:
    it writes what a bank sends (an input for tests and the posting benchmark, read back as it was written),
    not a file the engine hands to people."""
    writers = [
        str(path.relative_to(ROOT))
        for folder in ("activities", "channels", "cli", "domain", "ops", "service", "store", "web", "workflows")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ] + [name for name in ("starter.py", "worker.py") if "csv.writer" in (ROOT / name).read_text(encoding="utf-8")]
    sample_writer = os.path.join("ops", "payment_files", "csv_layout.py")
    assert sorted(writers) == [os.path.join("ops", "csv_files.py"), sample_writer]


def test_without_hard_links_a_new_file_still_never_replaces_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "taken.csv").write_text("kept\n")

    write_new_csv(tmp_path / "new.csv", ["a"], [["1"]])
    with pytest.raises(OpsError, match="already exists"):
        write_new_csv(tmp_path / "taken.csv", ["a"], [["1"]])

    assert (tmp_path / "new.csv").read_bytes() == b"a\r\n1\r\n" and (tmp_path / "taken.csv").read_text() == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv", "taken.csv"]
