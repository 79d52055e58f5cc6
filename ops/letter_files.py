"""A batch of letters as print-ready PDFs in a new folder: one PDF per letter, the batch in one PDF, and the
print vendor's manifest.

    letters-7/0001-A-1001-validation_notice.pdf   one letter (a letter starts on its own page)
    letters-7/batch-7.pdf                         every letter of the batch, in order
    letters-7/manifest.csv                        file, account, pages, first page in the batch PDF, the
                                                  mailing address lines (through ops/csv_files.py)

The folder is new or empty: the files are written (0600, fsynced) into a temporary folder beside it, which
is then renamed to its name, so the printer never sees half a batch and nothing is ever overwritten (a
folder that gained a file meanwhile refuses the rename). The PDFs are deterministic (channels/pdf_letters.py):
the batch written again is the same bytes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from channels.letters import mailing_lines
from channels.pdf_letters import Letter, letter_of, render_letter, render_letters
from ops.csv_files import csv_text
from ops.errors import OpsError
from ops.exports import Output, Written
from service.files import DIR_MODE, open_private
from store.views import OutboxView

MANIFEST = "manifest.csv"
ADDRESS_LINES = 4
MANIFEST_COLUMNS = (
    "file", "batch", "sequence", "attempt_key", "account_id", "letter", "language", "pages", "batch_first_page",
    "name", *(f"address_{n}" for n in range(1, ADDRESS_LINES + 1)),
)  # fmt: skip
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def refuse_folder(path: Path) -> None:
    """An export never overwrites: a folder with anything in it, or a file of that name, is refused in one
    line before any letter is marked."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise OpsError(f"{path} already exists and is not a folder: give a new or empty folder")
    if path.is_dir() and any(path.iterdir()):
        raise OpsError(f"{path} is not empty: an export never overwrites a file; give a new or empty folder")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise OpsError(f"cannot write {path}: no directory {parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OpsError(f"cannot write {path}: the directory {parent} is not writable")


def batch_file(number: int) -> str:
    return f"batch-{number}.pdf"


def letter_file(sequence: int, row: OutboxView, letter: Letter) -> str:
    kind = letter.facts.template if letter.facts is not None else "letter"
    return f"{sequence:04d}-{_UNSAFE.sub('_', row.account_id)[:40]}-{kind}.pdf"


def letter_files(number: int, rows: Sequence[OutboxView]) -> tuple[dict[str, bytes], int]:
    """Every file of batch `number` by name, the manifest last, and the batch PDF's page count (pure: the
    same rows give the same bytes)."""
    letters = [letter_of(row) for row in rows]
    files: dict[str, bytes] = {}
    manifest: list[list[object]] = []
    first_page = 1
    for sequence, (row, letter) in enumerate(zip(rows, letters, strict=True), start=1):
        name = letter_file(sequence, row, letter)
        files[name], pages = render_letter(letter)
        recipient, address = mailing_lines(row.recipient)
        lines = [*address[: ADDRESS_LINES - 1], ", ".join(address[ADDRESS_LINES - 1 :])][:ADDRESS_LINES]
        lines += [""] * (ADDRESS_LINES - len(lines))
        manifest.append([
            name, number, sequence, row.attempt_key, row.account_id,
            letter.facts.template if letter.facts else "", letter.facts.language if letter.facts else "",
            pages, first_page, recipient, *lines,
        ])  # fmt: skip
        first_page += pages
    files[batch_file(number)], _ = render_letters(letters)
    files[MANIFEST] = csv_text(MANIFEST_COLUMNS, manifest).encode("utf-8")
    return files, first_page - 1


def write_letter_folder(path: Path, number: int, rows: Sequence[OutboxView]) -> Written:
    """Batch `number`'s letters as PDFs in the new folder `path`; OpsError if it cannot be written whole."""
    files, pages = letter_files(number, rows)
    parent = path.absolute().parent
    staging: str | None = None
    try:
        staging = tempfile.mkdtemp(dir=parent, prefix=".letters-", suffix=".partial")
        os.chmod(staging, DIR_MODE)
        for name, content in files.items():
            with open_private(Path(staging) / name, "xb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
        _sync(Path(staging))
        _rename_into_place(Path(staging), path)
        staging = None
        _sync(parent)
    except OSError as err:
        raise OpsError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    digest = b"".join(name.encode() + b"\0" + hashlib.sha256(content).digest() for name, content in files.items())
    count = len(rows)
    summary = (
        f"{count} PDF{'' if count == 1 else 's'}, one per letter; all of them in {path / batch_file(number)} "
        f"({pages} page{'' if pages == 1 else 's'}); the print vendor's manifest {path / MANIFEST}"
    )
    return Written(digest, summary)


def letters_output() -> Output:
    return Output(refuse=refuse_folder, write=write_letter_folder, hint="--out NEW_FOLDER")


def _rename_into_place(staging: Path, path: Path) -> None:
    """`staging` renamed to `path`: where `path` is an empty folder, rename(2) replaces it; where it gained
    anything meanwhile, the rename fails and nothing is touched."""
    try:
        os.rename(staging, path)
    except OSError as err:
        if err.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
            raise OpsError(f"{path} is not empty: an export never overwrites a file; give a new folder") from None
        raise


def _sync(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
