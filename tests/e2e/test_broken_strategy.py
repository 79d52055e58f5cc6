"""A broken COLLECTIONS_STRATEGY stops worker.py, `starter.py web` and the CLI at start, in one line naming
the file and the field, before they connect anywhere (no store file is created, no Temporal is needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_operations_end_to_end import ROOT, free_port

pytestmark = pytest.mark.e2e

DEFAULT = (ROOT / "strategies" / "default.toml").read_text(encoding="utf-8")
BROKEN = {
    "random.toml": (bytes([0x80, 0xFF, 0x00, 0x13]) * 64, "random.toml: not a strategy file (not UTF-8 text"),
    "bad.toml": (b'name = "unterminated\n', "bad.toml: not valid TOML"),
    "negative.toml": (
        DEFAULT.replace('after = "2d"', 'after = "-2d"', 1).encode(),
        "negative.toml: segments.default.cadence[1].after: expected a duration like 30s, 15m, 2h or 3d, got '-2d'",
    ),
    "missing.toml": (None, "cannot read strategy {folder}/missing.toml: No such file or directory"),
}
COMMANDS = {
    "worker.py": ["worker.py"],
    "starter.py web": ["starter.py", "web", "--port", "{port}"],
    "starter.py list": ["starter.py", "list"],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_strategy_stops_the_process_at_once_with_one_line(command: str, name: str, tmp_path: Path) -> None:
    content, says = BROKEN[name]
    assert 'after = "2d"' in DEFAULT, "the negative duration replaces a real one"
    strategy = tmp_path / name
    if content is not None:
        strategy.write_bytes(content)
    store = tmp_path / "store.db"
    env = {
        **os.environ,
        "COLLECTIONS_STRATEGY": str(strategy),
        "DATABASE_URL": f"sqlite+aiosqlite:///{store}",
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing listens: the strategy must stop it first
        "API_TOKENS_FILE": str(tmp_path / "tokens.toml"),
    }
    argv = [arg.format(port=free_port()) for arg in COMMANDS[command]]
    done = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0, done.stderr
    assert len(lines) == 1 and "error: " in lines[0], done.stderr
    assert says.format(folder=tmp_path) in lines[0], lines[0]
    assert not store.exists(), "it stopped before opening the store"
