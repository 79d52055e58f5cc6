"""Migrations, schema checks and the append-only audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store import repository
from store.db import ensure_schema, make_engine, migrate, schema_is_current
from store.errors import SchemaNotCurrent
from store.models import Base
from tests.support.accounts import add_account

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


async def test_migrating_a_blank_database_creates_the_schema_and_makes_it_current(blank_database_url: str) -> None:
    assert not await schema_is_current(blank_database_url)

    await migrate(blank_database_url)

    assert await schema_is_current(blank_database_url)
    engine = make_engine(blank_database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    finally:
        await engine.dispose()
    assert {"accounts", "contact_points", "payments", "audit_log", "alembic_version"} <= tables


async def test_migrating_twice_changes_nothing(store_url: str) -> None:
    await migrate(store_url)
    await ensure_schema(store_url)

    assert await schema_is_current(store_url)


async def test_ensure_schema_migrates_a_blank_database(blank_database_url: str) -> None:
    await ensure_schema(blank_database_url)

    assert await schema_is_current(blank_database_url)


async def test_ensure_schema_refuses_a_database_at_another_revision(store_url: str, engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))

    with pytest.raises(SchemaNotCurrent, match=r"revision 0000_older, .* run `collections db upgrade`"):
        await ensure_schema(store_url)


async def test_the_models_match_what_the_migration_creates(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )

    assert differences == []


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
async def test_the_audit_log_refuses_updates_and_deletes(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, statement: str
) -> None:
    await add_account(sessions, "A1")

    with pytest.raises(DBAPIError, match="audit_log is append-only"):
        async with engine.begin() as connection:
            await connection.execute(text(statement))

    async with sessions() as session:
        trail = await repository.audit_trail(session, "A1")
    assert [(entry.actor, entry.action) for entry in trail] == [("ops", "account.loaded")]
