"""Claims on accounts ("next account"), on SQLite and PostgreSQL: the database decides who gets an account."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import repository
from store.db import make_engine, make_session_factory
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(minutes=20)


@pytest.fixture
async def processes(store_url: str) -> AsyncIterator[list[Sessions]]:
    """Three engines on the one store, as three web processes would have (each its own line of writers)."""
    engines = [make_engine(store_url) for _ in range(3)]
    try:
        yield [make_session_factory(engine) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def take(sessions: Sessions, collector: str, ids: list[str], now: datetime = NOW) -> str | None:
    async with sessions() as session, session.begin():
        return await repository.claim_first(
            session, ids, collector=collector, now=now, until=now + timedelta(minutes=20)
        )


async def claims(sessions: Sessions, ids: list[str]) -> dict[str, tuple[str, bool]]:
    async with sessions() as session:
        found = await repository.account_claims(session, ids)
    return {account_id: (claim.collector, claim.held_at(NOW)) for account_id, claim in found.items()}


async def taken_by(sessions: Sessions, account_id: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        trail = await repository.audit_trail(session, account_id)
    return [(entry.actor, entry.action) for entry in trail if entry.action.startswith("claim.")]


async def test_collectors_asking_at_the_same_moment_never_get_the_same_account(processes: list[Sessions]) -> None:
    sessions = processes[0]
    for account_id in ("A1", "A2"):
        await add_account(sessions, account_id)
    both_asking = asyncio.Barrier(3)

    async def ask(process: Sessions, collector: str) -> str | None:
        async with process() as session, session.begin():
            await both_asking.wait()  # each transaction open, none has written yet
            return await repository.claim_first(session, ["A1", "A2"], collector=collector, now=NOW, until=UNTIL)

    names = ("ann", "bob", "cy")
    got = await asyncio.gather(*(ask(p, name) for p, name in zip(processes, names, strict=True)))

    assert sorted(got, key=str) == ["A1", "A2", None], "two accounts for three collectors: one goes without"
    holders = await claims(sessions, ["A1", "A2"])
    assert {holders["A1"][0], holders["A2"][0]} == {name for name, found in zip(names, got, strict=True) if found}
    for account_id, (collector, held) in holders.items():
        assert held and await taken_by(sessions, account_id) == [(collector, "claim.taken")]


async def test_an_expired_claim_is_free_and_the_collectors_own_is_theirs(sessions: Sessions) -> None:
    for account_id in ("A1", "A2"):
        await add_account(sessions, account_id)
    assert await take(sessions, "ann", ["A1", "A2"]) == "A1"
    assert await take(sessions, "bob", ["A1"]) is None, "held by ann"
    assert await take(sessions, "ann", ["A1", "A2"]) == "A1", "ann's own claim is hers"
    assert await take(sessions, "bob", ["A1"], now=UNTIL) == "A1", "ann's claim expired at UNTIL"
    assert await claims(sessions, ["A1"]) == {"A1": ("bob", True)}


async def test_taking_another_account_ends_the_collectors_claim_on_the_first(sessions: Sessions) -> None:
    for account_id in ("A1", "A2"):
        await add_account(sessions, account_id)
    assert await take(sessions, "ann", ["A1"]) == "A1"
    assert await take(sessions, "ann", ["A2"]) == "A2"

    assert await claims(sessions, ["A1", "A2"]) == {"A1": ("ann", False), "A2": ("ann", True)}
    assert await taken_by(sessions, "A1") == [("ann", "claim.taken"), ("ann", "claim.released")]
    assert await take(sessions, "bob", ["A1"]) == "A1"


async def test_only_the_holder_releases_a_claim_and_it_is_free_at_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    assert await take(sessions, "ann", ["A1"]) == "A1"

    async with sessions() as session, session.begin():
        assert not await repository.release_claim(session, "A1", collector="bob", now=NOW)
    assert await claims(sessions, ["A1"]) == {"A1": ("ann", True)}
    async with sessions() as session, session.begin():
        assert await repository.release_claim(session, "A1", collector="ann", now=NOW)
        assert not await repository.release_claim(session, "A1", collector="ann", now=NOW), "once"

    assert await claims(sessions, ["A1"]) == {"A1": ("ann", False)}
    assert await taken_by(sessions, "A1") == [("ann", "claim.taken"), ("ann", "claim.released")]
    assert await take(sessions, "bob", ["A1"]) == "A1"


async def test_promises_due_are_the_open_ones_of_that_day(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    async with sessions() as session, session.begin():
        for number, day in ((1, NOW.date()), (2, NOW.date()), (3, NOW.date() + timedelta(days=1))):
            await repository.record_promise(
                session, account_id="A1", promise_no=number, amount_cents=5_000, due_date=day, now=NOW
            )
        await repository.resolve_promise(session, account_id="A1", promise_no=2, status="kept", now=NOW)
    async with sessions() as session:
        due = await repository.promises_due(session, NOW.date())
    assert [(p.account_id, p.promise_no) for p in due] == [("A1", 1)]
