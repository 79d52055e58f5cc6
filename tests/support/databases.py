"""Throwaway databases for tests: a SQLite file per test, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

POSTGRES_URL_VARIABLE = "COLLECTIONS_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 5


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'collections.db'}"


def postgres_admin_url() -> str:
    """A server where the test user may CREATE DATABASE (env COLLECTIONS_TEST_POSTGRES_URL)."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_ADMIN_URL


async def create_postgres_database() -> str:
    """Create an empty, uniquely named database and return its URL."""
    name = f"collections_test_{uuid.uuid4().hex[:8]}"
    await _administer(f'CREATE DATABASE "{name}"')
    return make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    await _administer(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
    )


async def _administer(*statements: str) -> None:
    admin_url = postgres_admin_url()
    engine = create_async_engine(
        admin_url,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS},
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    except (OSError, DBAPIError) as err:
        shown = make_url(admin_url).render_as_string(hide_password=True)
        raise RuntimeError(
            f"PostgreSQL not reachable at {shown}: set {POSTGRES_URL_VARIABLE} to a server where the "
            f'user can CREATE DATABASE, or run pytest -m "not postgres" to skip these tests'
        ) from err
    finally:
        await engine.dispose()
