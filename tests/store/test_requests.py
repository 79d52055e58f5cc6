"""Idempotency keys on SQLite and PostgreSQL: scoped to (caller, route, account), in progress, done, replayed.

The store's rows (store/requests.py) and the rule every front end goes through (ops.requests.perform_write),
on a real store; the web API's tests (tests/web/test_idempotency.py) drive the same over HTTP.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ops.context import OpsContext
from ops.errors import OpsError, RequestConflict
from ops.requests import ABANDONED_AFTER, Answer, Written, fingerprint, perform_write
from store import repository
from store.models import WriteRequestRow
from store.requests import DONE, IN_PROGRESS, RequestScope, claim_request, complete_request, request_for
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SCOPE = RequestScope("oscar", "payment", "A1", "key-1")
LONGEST_KEY = "".join(chr(0x20 + i % 95) for i in range(128))


async def claim(sessions: Sessions, scope: RequestScope = SCOPE, fingerprint: str = "f1", now: datetime = NOW) -> Any:
    async with sessions() as session, session.begin():
        return await claim_request(session, scope, fingerprint=fingerprint, now=now, stale_before=now - ABANDONED_AFTER)


async def test_a_key_is_one_request_per_caller_route_and_account(sessions: Sessions) -> None:
    assert await claim(sessions) is None, "a new key is claimed"
    again = await claim(sessions)
    assert (again.state, again.fingerprint) == (IN_PROGRESS, "f1"), "the same scope finds the request in progress"
    for other in (
        RequestScope("alice", "payment", "A1", "key-1"),
        RequestScope("oscar", "dispute", "A1", "key-1"),
        RequestScope("oscar", "payment", "A2", "key-1"),
    ):
        assert await claim(sessions, other) is None, f"{other} is another request"
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WriteRequestRow)) == 4


async def test_a_done_request_keeps_its_first_answer_and_a_128_character_key_fits(sessions: Sessions) -> None:
    scope = RequestScope("oscar", "payment", "A1", LONGEST_KEY)
    assert await claim(sessions, scope) is None
    async with sessions() as session, session.begin():
        await complete_request(
            session, scope, status_code=200, answer={"result": "sent", "n": [1, 2]}, audited=["A1"], now=NOW
        )
    done = await claim(sessions, scope, fingerprint="f1", now=NOW + timedelta(days=1))
    assert (done.state, done.status_code, done.answer, done.audited) == (
        DONE,
        200,
        {"result": "sent", "n": [1, 2]},
        ("A1",),
    )
    async with sessions() as session:
        kept = await request_for(session, scope)
    assert kept == done and kept is not None and kept.completed_at == NOW


async def test_an_abandoned_request_is_taken_over_by_the_same_request_only(sessions: Sessions) -> None:
    assert await claim(sessions) is None
    later = NOW + ABANDONED_AFTER + timedelta(seconds=1)
    assert (await claim(sessions, fingerprint="other", now=later)).state == IN_PROGRESS, "another body: not taken over"
    assert await claim(sessions, now=NOW + ABANDONED_AFTER - timedelta(seconds=1)) is not None, "not yet abandoned"
    assert await claim(sessions, now=later) is None, "the same request takes it over"
    async with sessions() as session:
        taken = await request_for(session, SCOPE)
    assert taken is not None and taken.started_at == later


class Recorder:
    """A write that counts its calls and can be told to refuse."""

    def __init__(self) -> None:
        self.calls = 0
        self.refuse: str | None = None

    async def __call__(self) -> Written:
        self.calls += 1
        if self.refuse:
            raise OpsError(self.refuse)
        return Written(f"payment sent ({self.calls})", {"amount_cents": 500})


def context(sessions: Sessions) -> OpsContext:
    return OpsContext(cast(Any, None), cast(Any, None), sessions)


async def send(
    sessions: Sessions, write: Recorder, *, key: str | None = "key-1", body: dict[str, Any] | None = None,
    actor: str = "oscar", account_id: str = "A1",
) -> Answer:  # fmt: skip
    return await perform_write(
        context(sessions), actor=actor, role="operations", action="payment", account_id=account_id,
        body=body or {"amount": "5.00"}, key=key, write=write,
    )  # fmt: skip


async def requests_of(sessions: Sessions, account_id: str = "A1") -> list[tuple[str, dict[str, Any]]]:
    async with sessions() as session:
        trail = await repository.audit_trail(session, account_id)
    return [(e.actor, e.detail) for e in trail if e.action == "request.payment"]


async def test_a_replay_answers_the_first_answer_applies_nothing_and_is_audited_as_a_replay(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    write = Recorder()
    first = await send(sessions, write)
    replay = await send(sessions, write)
    assert first == Answer(200, {"account_id": "A1", "result": "payment sent (1)", "by": "oscar"})
    assert (replay.status_code, replay.body, replay.replayed) == (200, first.body, True)
    assert write.calls == 1
    assert await requests_of(sessions) == [
        ("oscar", {"role": "operations", "amount_cents": 500, "result": "payment sent (1)", "key": "key-1"}),
        ("oscar", {"role": "operations", "replay": True, "key": "key-1", "result": "payment sent (1)"}),
    ]


async def test_the_same_key_for_another_request_is_refused_with_nothing_applied(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    write = Recorder()
    await send(sessions, write)
    with pytest.raises(RequestConflict, match=r"^Idempotency-Key 'key-1' was used for a different request by oscar "
                       r"on payment for account A1; nothing changed$"):  # fmt: skip
        await send(sessions, write, body={"amount": "6.00"})
    assert write.calls == 1 and len(await requests_of(sessions)) == 1


async def test_a_request_in_progress_is_refused(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    write = Recorder()
    async with sessions() as session, session.begin():
        print_ = fingerprint("payment", "A1", {"amount": "5.00"})
        await claim_request(session, SCOPE, fingerprint=print_, now=datetime.now(UTC), stale_before=NOW)
    with pytest.raises(RequestConflict, match="still in progress; nothing changed"):
        await send(sessions, write, body={"amount": "5.00"})
    assert write.calls == 0 and await requests_of(sessions) == []


async def test_a_refused_write_releases_its_key_for_a_corrected_retry(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    write = Recorder()
    write.refuse = "amount must be positive: nothing changed"
    with pytest.raises(OpsError, match="amount must be positive"):
        await send(sessions, write, body={"amount": "-5.00"})
    async with sessions() as session:
        assert await request_for(session, SCOPE) is None, "the key is free again"
    write.refuse = None
    answer = await send(sessions, write, body={"amount": "5.00"})
    assert answer.body["result"] == "payment sent (2)" and not answer.replayed
    assert [detail["result"] for _, detail in await requests_of(sessions)] == ["payment sent (2)"]


async def test_another_caller_or_account_with_the_same_key_is_another_request(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "A2")
    write = Recorder()
    await send(sessions, write)
    by_alice = await send(sessions, write, actor="alice")
    on_a2 = await send(sessions, write, account_id="A2")
    assert (by_alice.replayed, on_a2.replayed, write.calls) == (False, False, 3)
    assert [actor for actor, _ in await requests_of(sessions)] == ["oscar", "alice"]
    assert [actor for actor, _ in await requests_of(sessions, "A2")] == ["oscar"]


async def test_without_a_key_every_request_is_performed_and_audited(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    write = Recorder()
    await send(sessions, write, key=None)
    await send(sessions, write, key=None)
    assert write.calls == 2
    assert [detail for _, detail in await requests_of(sessions)] == [
        {"role": "operations", "amount_cents": 500, "result": f"payment sent ({n})"} for n in (1, 2)
    ]


@pytest.mark.parametrize("key", ["", "k" * 129, "k" * 200, "clé-1", "tab\there", "line\nbreak"])
async def test_a_key_the_store_could_not_keep_is_refused_before_anything_is_applied(
    sessions: Sessions, key: str
) -> None:
    await add_account(sessions, "A1")
    write = Recorder()
    with pytest.raises(
        OpsError, match=r"^Idempotency-Key must be 1 to 128 printable ASCII characters, got \d+: nothing changed$"
    ):
        await send(sessions, write, key=key)
    assert write.calls == 0 and await requests_of(sessions) == []
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WriteRequestRow)) == 0


async def test_the_longest_key_is_kept_and_replayed(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    write = Recorder()
    await send(sessions, write, key=LONGEST_KEY)
    assert (await send(sessions, write, key=LONGEST_KEY)).replayed and write.calls == 1


async def test_two_requests_at_once_with_one_key_apply_once_and_the_other_is_told_it_is_in_progress(
    sessions: Sessions,
) -> None:
    await add_account(sessions, "A1")
    release = asyncio.Event()
    calls = 0

    async def slow_write() -> Written:
        nonlocal calls
        calls += 1
        await release.wait()
        return Written("payment sent")

    async def request() -> Answer:
        return await perform_write(
            context(sessions), actor="oscar", role="operations", action="payment", account_id="A1",
            body={"amount": "5.00"}, key="key-1", write=slow_write,
        )  # fmt: skip

    both = [asyncio.create_task(request()), asyncio.create_task(request())]
    done, pending = await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
    with pytest.raises(RequestConflict, match="still in progress; nothing changed"):
        done.pop().result()
    release.set()
    [applied] = pending
    assert (await applied).body["result"] == "payment sent" and calls == 1
    assert [detail["result"] for _, detail in await requests_of(sessions)] == ["payment sent"]
