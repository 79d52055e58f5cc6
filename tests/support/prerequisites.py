"""What the suite needs beyond the virtualenv: a PostgreSQL server and Debian's chromium.

Checked once per test process, and only when a selected test needs it (markers `postgres` and
`browser`). A missing one skips those tests, and the run ends with one line per missing prerequisite
saying how many were skipped and why; `make test` never fails for want of one. CI sets
COLLECTIONS_TEST_REQUIRE_ALL=1 (.ci/run), where a missing prerequisite fails the tests instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.support.databases import POSTGRES_URL_VARIABLE, _administer, postgres_admin_url

REQUIRE_ALL_VARIABLE = "COLLECTIONS_TEST_REQUIRE_ALL"
SKIP_PREFIX = "prerequisite missing: "


def chromium_path() -> Path:
    return Path(shutil.which("chromium") or "/usr/bin/chromium")


@cache
def postgres_missing() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when the server answers."""
    failure: list[BaseException] = []

    def check() -> None:  # in a thread of its own: the test process's event loops stay untouched
        try:
            asyncio.run(_administer("SELECT 1"))
        except Exception as err:
            failure.append(err)

    thread = threading.Thread(target=check, name="postgres-check")
    thread.start()
    thread.join()
    if not failure:
        return None
    cause = failure[0].__cause__ or failure[0]
    shown = make_url(postgres_admin_url()).render_as_string(hide_password=True)
    why = " ".join(f"{type(cause).__name__}: {cause}".split())
    return (
        f"PostgreSQL not reachable at {shown} ({why[:160]}); start it (.ci/start-postgres) "
        f"or set {POSTGRES_URL_VARIABLE}"
    )


@cache
def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when chromium is installed."""
    if chromium_path().exists():
        return None
    return "chromium not installed (the browser tests drive Debian's chromium): apt-get install chromium"


CHECKS = {"postgres": postgres_missing, "browser": chromium_missing}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(REQUIRE_ALL_VARIABLE) == "1":
        return
    for marker, missing in CHECKS.items():
        needing = [item for item in items if item.get_closest_marker(marker)]
        why = missing() if needing else None
        if why:
            skip = pytest.mark.skip(reason=SKIP_PREFIX + why)
            for item in needing:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per missing prerequisite (also under xdist, where the workers did the skipping)."""
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        reason = reason.removeprefix("Skipped: ")
        if reason.startswith(SKIP_PREFIX):
            counts[reason] = counts.get(reason, 0) + 1
    for reason, count in counts.items():
        tests = "test" if count == 1 else "tests"
        terminalreporter.write_line(f"SKIPPED {count} {tests}: {reason.removeprefix(SKIP_PREFIX)}", yellow=True)
