"""The account store down: the CLI and the worker say so in one line and exit non-zero, no traceback.

The store is a private PostgreSQL cluster (tests/support/private_postgres.py), stopped for the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.intake import ACCOUNT_COLUMNS
from tests.e2e.test_bad_input import run
from tests.e2e.test_operations_end_to_end import ROW, operators_file
from tests.support.private_postgres import PrivatePostgres

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(tmp_path: Path, private_postgres: PrivatePostgres) -> dict[str, str]:
    from os import environ

    operators = str(operators_file(tmp_path / "operators.toml", "e2e-supervisor", "supervisor"))
    return {
        **environ, "DATABASE_URL": private_postgres.url, "TEMPORAL_ADDRESS": "127.0.0.1:1", "LOG_FORMAT": "json",
        "OPERATORS_FILE": operators,
    }  # fmt: skip


def test_the_cli_and_the_worker_say_the_store_is_unavailable(
    tmp_path: Path, env: dict[str, str], private_postgres: PrivatePostgres
) -> None:
    portfolio = tmp_path / "accounts.csv"
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), ROW]) + "\n")
    private_postgres.stop()
    where = f"PostgreSQL 127.0.0.1:{private_postgres.port}/postgres"
    refused = f"ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', {private_postgres.port})"

    for args in (("status", "E1", "--json"), ("load", str(portfolio))):
        done = run("starter.py", *args, env=env)
        assert done.returncode == 1, (args, done.stdout)
        assert done.stdout == ""
        assert done.stderr.strip().splitlines() == [f"error: account store unavailable ({where}): {refused}; try again"]

    worker = run("worker.py", env=env)
    assert worker.returncode == 2
    assert worker.stderr.strip().splitlines()[-1] == f"worker: error: account store unavailable ({where}): {refused}"
    assert "Traceback" not in worker.stderr

    private_postgres.start()
    loaded = run("starter.py", "load", str(portfolio), "--json", env=env)
    assert loaded.returncode == 0 and json.loads(loaded.stdout)["inserted"] == 1, loaded.stderr
