"""The fixed portfolio of tests/reports/portfolio.py in a fresh store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.reports.portfolio import Sessions, build
from tests.store.conftest import blank_database_url, engine, sessions, store_url  # noqa: F401 (fixtures)


@pytest.fixture
async def portfolio(sessions: Sessions) -> Sessions:  # noqa: F811 - the imported fixture
    await build(sessions)
    return sessions
