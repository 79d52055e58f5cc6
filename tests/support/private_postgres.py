"""A private PostgreSQL cluster for one test, which the test may stop and start at will.

The machine's shared server (127.0.0.1:5432) is never touched: the cluster is `initdb`'d into a
fresh folder under /tmp, listens on a free loopback port and on a unix socket in that folder, trusts
every local connection, and runs as the `postgres` OS user when the tests run as root (PostgreSQL
refuses to run as root). Its data lives with fsync off: a drill stops it with `pg_ctl stop -m fast`,
never by pulling the plug, so nothing is lost.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_operations_end_to_end import free_port

BINARIES = Path("/usr/lib/postgresql")
OS_USER = "postgres"
START_SECONDS = 30


def postgres_bin() -> Path | None:
    """The newest installed server's bin/ (initdb, pg_ctl), or None on a machine without one."""
    versions = [p.parent for p in BINARIES.glob("*/bin/pg_ctl") if p.parent.parent.name.isdigit()]
    return max(versions, key=lambda bin: int(bin.parent.name), default=None)


@dataclass
class PrivatePostgres:
    bin: Path
    home: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{OS_USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        as_user = ["runuser", "-u", OS_USER, "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_user, str(self.bin / tool), *args], capture_output=True, text=True, timeout=START_SECONDS + 30
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({done.returncode}): {done.stderr or done.stdout}")

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.data_dir), "-U", OS_USER, "--auth=trust", "--encoding=UTF8", "--no-locale",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.home}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.home / "postgres.log"), "-w", "-t",
                  str(START_SECONDS), "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m fast`: sessions are ended, new connections refused until `start`."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()


def _private_home() -> Path:
    """A folder the `postgres` user owns (pytest's tmp_path is root's, mode 0700: not reachable)."""
    home = Path(tempfile.mkdtemp(prefix="collections-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(OS_USER)
        os.chown(home, user.pw_uid, user.pw_gid)
    return home


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private cluster on a free loopback port; stopped and deleted after the test."""
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip(f"no PostgreSQL server binaries under {BINARIES}")
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _has_user(OS_USER)):
        pytest.skip(f"running as root without `runuser` or a {OS_USER!r} user to run PostgreSQL as")
    cluster = PrivatePostgres(binaries, _private_home(), free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running:
            cluster.stop("immediate")
        shutil.rmtree(cluster.home, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
