"""A fresh account store per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.db import make_engine, make_session_factory, migrate
from tests.support.databases import create_postgres_database, drop_postgres_database, sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: no tables, no alembic revision."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
async def store_url(blank_database_url: str) -> str:
    await migrate(blank_database_url)
    return blank_database_url


@pytest.fixture
async def engine(store_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(store_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The suite's `sessions`, here on both backends."""
    return make_session_factory(engine)
