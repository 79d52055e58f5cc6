"""Inbound contacts and the attorney-allows-contact flag in the store, on SQLite and PostgreSQL (migration 0011)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.contact import Channel, Outcome
from store import repository
from store.db import alembic_config, make_engine, migrate
from tests.support.accounts import add_account

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


async def inbound(sessions: Sessions, attempt_no: int, inbound_id: str, *, consent: bool = False):
    async with sessions() as session, session.begin():
        return await repository.record_inbound_contact(
            session, account_id="A1", attempt_no=attempt_no, inbound_id=inbound_id, channel=Channel.CALL,
            contact_point_id=None, outcome=Outcome.REFUSED, consent_to_calls=consent, at=NOW, now=NOW,
        )  # fmt: skip


async def test_an_inbound_contact_is_stored_once_per_id_beside_the_attempts_1006_14_b_2_i_B(
    sessions: Sessions,
) -> None:
    """1006.14(b)(2)(i)(B): the consumer's call is kept with its outcome; the same id twice is one row."""
    await add_account(sessions, "A1")
    first = await inbound(sessions, 3, "in-1", consent=True)
    again = await inbound(sessions, 4, "in-1", consent=True)  # a retry under a later number: still the first row
    other = await inbound(sessions, 5, "in-2")
    assert first.created and not again.created and other.created
    assert again.attempt == first.attempt
    async with sessions() as session:
        rows = await repository.attempts_for(session, "A1")
        audit = [e.action for e in await repository.audit_trail(session, "A1")]
    assert [(r.attempt_no, r.status, r.outcome, r.inbound, r.consent_to_calls) for r in rows] == [
        (3, "received", "refused", True, True),
        (5, "received", "refused", True, False),
    ]
    assert audit.count("contact.received") == 2


async def test_the_attorney_allows_contact_flag_is_set_once_and_read_by_the_snapshot_1006_6_b_2(
    sessions: Sessions,
) -> None:
    """1006.6(b)(2): the attorney's consent, or no response in a reasonable time, recorded once with who."""
    await add_account(sessions, "A1")
    async with sessions() as session, session.begin():
        assert await repository.set_attorney_allows_contact(session, "A1", reason="consent", now=NOW, actor="oscar")
        assert not await repository.set_attorney_allows_contact(session, "A1", reason="consent", now=NOW, actor="x")
    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")
        audit = [(e.action, e.actor) for e in await repository.audit_trail(session, "A1")]
    assert snapshot.attorney_allows_direct_contact
    assert ("contact.attorney_allows_contact", "oscar") in audit


async def test_migration_0011_downgrades_and_upgrades_again(blank_database_url: str) -> None:
    await migrate(blank_database_url)
    config = alembic_config(blank_database_url)
    await asyncio.to_thread(command.downgrade, config, "0010_closed_months")
    await asyncio.to_thread(command.upgrade, config, "0011_inbound_contacts")
    engine = make_engine(blank_database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT direction, consent_to_calls FROM contact_attempts"))
            await connection.execute(text("SELECT attorney_allows_contact_at FROM accounts"))
    finally:
        await engine.dispose()
