"""The item references a file has shown so far, in flat memory: a repeated reference is refused with both lines.

A Python set would grow with the file (about 90 bytes a reference); this keeps them in SQLite's private
temporary database (the empty file name: deleted when closed), whose page cache is capped at `CACHE_KIB`,
so a file of any size is checked in the same memory. Nothing here touches the engine's store.
"""

from __future__ import annotations

import sqlite3
from types import TracebackType

CACHE_KIB = 1024


class SeenReferences:
    """`first_line(reference, line)`: None the first time a reference is seen, else the line it was first on."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE seen (reference TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        self._db.execute("BEGIN")

    def first_line(self, reference: str, line: int) -> int | None:
        try:
            self._db.execute("INSERT INTO seen (reference, line) VALUES (?, ?)", (reference, line))
        except sqlite3.IntegrityError:
            row = self._db.execute("SELECT line FROM seen WHERE reference = ?", (reference,)).fetchone()
            return int(row[0])
        return None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SeenReferences:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
