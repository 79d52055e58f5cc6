"""Every CSV the engine writes, through one writer: formula cells neutralised, files whole or not at all.

A cell a spreadsheet could run as a formula (one beginning with `=`, `+`, `-`, `@`, a tab or a carriage
return: the OWASP rule) gets a leading `'`. A plain signed number (`-12.50`, `+12125550100`) is not a
formula that can do anything and is written as it is, so credit balances stay numbers and phones stay E.164.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from ops.errors import OpsError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")


def neutralise(value: object) -> str:
    """One cell as text, with a leading `'` when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]], *, lineterminator: str = "\r\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([neutralise(name) for name in columns])
    writer.writerows([neutralise(value) for value in row] for row in rows)
    return out.getvalue()


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write `path` (mode 0600), replacing a file already there (a report regenerated from the store)."""
    _write(path, csv_text(columns, rows).encode("utf-8"), replace=True)


def write_new_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Write `path` (mode 0600) only if no file is there, even one that appears meanwhile; the bytes written."""
    content = csv_text(columns, rows).encode("utf-8")
    _write(path, content, replace=False)
    return content


def refuse_existing(path: Path) -> None:
    """An export never overwrites: refused in one line before anything is marked."""
    if path.exists() or path.is_symlink():
        raise OpsError(f"{path} already exists: an export never overwrites a file; choose a new name")
    if not path.parent.is_dir():
        raise OpsError(f"cannot write {path}: no directory {path.parent}")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise OpsError(f"cannot write {path}: the directory {path.parent} is not writable")


def _write(path: Path, content: bytes, *, replace: bool) -> None:
    """To a temporary name in the same directory (0600, fsynced), then renamed or linked into place:
    a reader never sees half a file, and without `replace` an existing file is never touched."""
    partial: str | None = None
    try:
        handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".csv-", suffix=".partial")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(partial, path)
        else:
            _link_new(partial, path)
            Path(partial).unlink(missing_ok=True)
        partial = None
        _sync_directory(path.parent)
    except FileExistsError:
        raise OpsError(f"{path} already exists: an export never overwrites a file; choose a new name") from None
    except OSError as err:
        raise OpsError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)


def _link_new(partial: str, path: Path) -> None:
    """`partial` also named `path`, failing if `path` exists. Where the file system has no hard links, the
    name is taken first (O_EXCL), then the complete file renamed over that empty file of ours."""
    try:
        os.link(partial, path)
    except OSError as err:
        if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(partial, path)


def _sync_directory(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
