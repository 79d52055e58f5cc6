"""Files that hold personal data or keys: readable and writable by their owner only (0600, folders 0700).

Every entry point (worker.py, starter.py and so `collections web`, the dev server it execs and the
demo's processes) calls `restrict_new_files()` first: whatever the process then creates (the SQLite
store and its -wal/-shm, Temporal's dev-server files, logs, exports, reports) is its owner's only.
The engine's own writers also create their files 0600 explicitly (`open_private`), so the modes hold
when it is imported as a library. Standard library only: `store/` may import it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def restrict_new_files() -> None:
    """From now on this process (and what it starts) creates files 0600 and folders 0700."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """`path` created if need be (parents too), the folder itself 0700 when this call creates it."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return path


def private_file(path: Path) -> Path:
    """Make an existing file its owner's only (0600)."""
    path.chmod(FILE_MODE)
    return path


def open_private(path: Path, mode: str = "w", **options: Any) -> IO[Any]:
    """`open(path, mode)`, a new file created 0600 (an existing one made 0600): for `w`, `a`, `x` modes,
    text or binary; `options` as open() takes them (encoding, newline)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    flags |= {"w": os.O_TRUNC, "a": os.O_APPEND, "x": os.O_EXCL}[mode[0]]
    descriptor = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
        return open(descriptor, mode, **options)  # noqa: SIM115 (the caller closes it)
    except BaseException:
        os.close(descriptor)
        raise


def write_private(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`, created 0600."""
    with open_private(path, "w", encoding="utf-8") as out:
        out.write(text)
