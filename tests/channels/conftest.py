"""A fresh, migrated SQLite store per test, with its URL (the outbox export opens its own engine)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db import make_engine, make_session_factory, migrate
from tests.support.databases import sqlite_url


@pytest.fixture
async def store_url(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path)
    await migrate(url)
    return url


@pytest.fixture
async def sessions(store_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(store_url)
    yield make_session_factory(engine)
    await engine.dispose()
