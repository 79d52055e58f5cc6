"""CSV files handed to third parties (print house, dialer, agencies): whole or not at all."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from ops.errors import OpsError


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write next to `path`, then rename: a reader never sees half a file. A file that cannot be written
    is refused in one line (raised inside the export's transaction, so nothing is marked exported)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(value.isoformat() if isinstance(value, date | datetime) else value for value in row)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise OpsError(f"cannot write {path}: {err.strerror or err}") from None
