"""Idempotency keys over HTTP against `starter.py web` (issue 13, findings 1 and 2), the store read before and after.

A key is scoped to the caller, the route and the account; the same key for another request is refused
(409, one line) with nothing applied; a replay answers the first answer; every request, replays
included, has its `request.*` audit entry; a key the store could not keep is refused before anything.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from store import repository
from store.db import make_engine, make_session_factory
from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import ROLES, WebService

pytestmark = pytest.mark.e2e
T = TypeVar("T")


@dataclass(frozen=True)
class Books:
    """What the store says of one account."""

    balance_cents: int
    payments: list[str]
    holds: list[tuple[str, str, bool]]
    """(kind, reference, still open)."""
    requests: list[tuple[str, str, dict[str, Any]]]
    """The web callers' `request.*` audit entries (the CLI's start is another's): (actor, action, detail)."""


def read(web: WebService, query: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(web.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session:
                return await query(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def books(web: WebService, account_id: str) -> Books:
    async def query(session: AsyncSession) -> Books:
        account = await repository.get_account(session, account_id)
        assert account is not None
        payments = [p.reference for p in await repository.payments_for(session, account_id)]
        holds = [(h.kind, h.reference, h.released_at is None) for h in await repository.holds_for(session, account_id)]
        trail = await repository.audit_trail(session, account_id)
        requests = [
            (e.actor, e.action, e.detail) for e in trail if e.action.startswith("request.") and e.actor in ROLES
        ]
        return Books(account.balance_cents, payments, holds, requests)

    return read(web, query)


def pay(client: httpx.Client, account_id: str, amount: str, reference: str, key: str | bytes | None) -> httpx.Response:
    raw = key.encode() if isinstance(key, str) else key
    headers = [] if raw is None else [(b"Idempotency-Key", raw)]
    return client.post(f"/api/accounts/{account_id}/payments", json={"amount": amount, "reference": reference},
                       headers=headers)  # fmt: skip


def books_when(web: WebService, account_id: str, ready: Callable[[Books], bool], what: str) -> Books:
    """The account's books once `ready` says so (waited for, never slept)."""
    return wait_until(lambda: (now := books(web, account_id)) and ready(now) and now, what=what)


def recorded(web: WebService, account_id: str, reference: str) -> Books:
    """Wait for the workflow to record payment `reference`: every event sent before it is processed too."""
    return books_when(web, account_id, lambda now: reference in now.payments, f"payment {reference} on {account_id}")


def logged_requests(web: WebService) -> list[tuple[str, str, str, str, str]]:
    """The web log's line per write request: (caller, role, action, account, result)."""
    lines = [json.loads(line) for line in web.log.read_text().splitlines() if line.startswith("{")]
    return [
        (e["caller"], e["role"], e["action"], e["account_id"], e["result"])
        for e in lines
        if e.get("event") == "request"
    ]


def test_finding_1_a_key_used_on_another_account_still_applies_and_audits_each_write(web_service: WebService) -> None:
    with web_service.client("oscar") as operations:
        assert pay(operations, "W1", "10.00", "F1-W1", "K-1").status_code == 200
        before = books(web_service, "W2")
        disputed = operations.post("/api/accounts/W2/disputes", json={"reason": "not mine"},
                                   headers={"Idempotency-Key": "K-1"})  # fmt: skip
        assert disputed.status_code == 200, disputed.text
        books_when(web_service, "W2", lambda now: any(open_ for _, _, open_ in now.holds), "the dispute")
        resolved = operations.post("/api/accounts/W2/dispute-resolution", json={"outcome": "verified"},
                                   headers={"Idempotency-Key": "K-1"})  # fmt: skip
        assert resolved.status_code == 200, resolved.text
    after = books_when(web_service, "W2", lambda now: any(not open_ for _, _, open_ in now.holds), "the release")
    assert before.holds == [] and before.requests == []
    assert [(actor, action, detail["role"], detail["key"]) for actor, action, detail in after.requests] == [
        ("oscar", "request.dispute", "operations", "K-1"),
        ("oscar", "request.dispute_resolution", "operations", "K-1"),
    ]
    assert after.requests[1][2]["result"] == resolved.json()["result"]
    logged = logged_requests(web_service)
    assert ("oscar", "operations", "dispute", "W2", disputed.json()["result"]) in logged
    assert ("oscar", "operations", "dispute_resolution", "W2", resolved.json()["result"]) in logged
    assert not any(token in web_service.log.read_text() for token in web_service.tokens.values()), "a token logged"


def test_the_same_key_for_a_different_body_is_refused_in_one_line_and_applies_nothing(web_service: WebService) -> None:
    with web_service.client("oscar") as operations:
        assert pay(operations, "W3", "10.00", "F2-W3-A", "K-3").status_code == 200
        before = recorded(web_service, "W3", "F2-W3-A")
        refused = pay(operations, "W3", "20.00", "F2-W3-B", "K-3")
        assert pay(operations, "W3", "1.00", "F2-W3-SENTINEL", None).status_code == 200
    after = recorded(web_service, "W3", "F2-W3-SENTINEL")
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "Idempotency-Key 'K-3' was used for a different request by oscar on payment for account W3; "
        "nothing changed"
    }
    assert before.payments == ["F2-W3-A"] and after.payments == ["F2-W3-A", "F2-W3-SENTINEL"]
    assert after.balance_cents == before.balance_cents - 100 and after.holds == before.holds
    assert [detail.get("reference") for _, _, detail in after.requests] == ["F2-W3-A", "F2-W3-SENTINEL"]
    assert ("oscar", "operations", "payment", "W3", "refused: key used for another request") in logged_requests(
        web_service
    )


def test_a_replay_answers_the_first_answer_records_one_payment_and_two_audit_entries(web_service: WebService) -> None:
    with web_service.client("oscar") as operations:
        first = pay(operations, "W4", "15.00", "F2-W4", "K-4")
        recorded(web_service, "W4", "F2-W4")
        replay = pay(operations, "W4", "15.00", "F2-W4", "K-4")
        assert pay(operations, "W4", "1.00", "F2-W4-SENTINEL", None).status_code == 200
    after = recorded(web_service, "W4", "F2-W4-SENTINEL")
    assert first.status_code == replay.status_code == 200
    assert (
        replay.json()
        == first.json()
        == {"account_id": "W4", "result": "payment F2-W4 sent to account W4", "by": "oscar"}
    )
    assert after.payments == ["F2-W4", "F2-W4-SENTINEL"] and after.balance_cents == 40_000 - 1_600
    [(_, _, applied), (_, _, replayed), _] = after.requests
    assert (applied["key"], applied["reference"], "replay" in applied) == ("K-4", "F2-W4", False)
    assert (replayed["key"], replayed["replay"], replayed["result"]) == ("K-4", True, first.json()["result"])


def test_the_same_key_by_another_caller_or_on_another_account_is_another_request(web_service: WebService) -> None:
    with web_service.client("oscar") as operations, web_service.client("alice") as supervisor:
        assert pay(operations, "W5", "5.00", "F2-W5-OSCAR", "K-5").status_code == 200
        by_alice = pay(supervisor, "W5", "6.00", "F2-W5-ALICE", "K-5")
        on_w6 = pay(operations, "W6", "7.00", "F2-W6-OSCAR", "K-5")
    assert (by_alice.status_code, on_w6.status_code) == (200, 200), (by_alice.text, on_w6.text)
    w5 = books_when(web_service, "W5", lambda now: len(now.payments) == 2, "both payments on W5")
    w6 = recorded(web_service, "W6", "F2-W6-OSCAR")
    assert sorted(w5.payments) == ["F2-W5-ALICE", "F2-W5-OSCAR"] and w5.balance_cents == 50_000 - 1_100
    assert [(actor, detail["key"]) for actor, _, detail in w5.requests] == [("oscar", "K-5"), ("alice", "K-5")]
    assert w6.payments == ["F2-W6-OSCAR"] and [a for a, _, _ in w6.requests] == ["oscar"]


@pytest.mark.parametrize(
    ("key", "length"),
    [("k" * 200, 200), ("clé-1".encode(), 6), (b"", 0)],
    ids=["200-characters", "non-ascii", "empty"],
)
def test_a_key_the_store_could_not_keep_is_refused_before_anything_is_applied(
    web_service: WebService, key: str | bytes, length: int
) -> None:
    before = books(web_service, "W1")
    with web_service.client("oscar") as operations:
        refused = pay(operations, "W1", "3.00", f"F2-BADKEY-{length}", key)
        assert pay(operations, "W1", "1.00", f"F2-BADKEY-{length}-SENTINEL", None).status_code == 200
    after = recorded(web_service, "W1", f"F2-BADKEY-{length}-SENTINEL")
    assert (refused.status_code, refused.json()) == (
        422, {"error": f"Idempotency-Key must be 1 to 128 printable ASCII characters, got {length}: nothing changed"},
    )  # fmt: skip
    assert after.payments == [*before.payments, f"F2-BADKEY-{length}-SENTINEL"]
    assert after.balance_cents == before.balance_cents - 100
    assert len(after.requests) == len(before.requests) + 1


def test_a_retried_dispute_opens_one_hold(web_service: WebService) -> None:
    with web_service.client("oscar") as operations:
        first = operations.post("/api/accounts/W6/disputes", json={"reason": "amount wrong"},
                                headers={"Idempotency-Key": "D-6"})  # fmt: skip
        assert first.status_code == 200, first.text
        sent_at = datetime.now(UTC).replace(microsecond=0)
        wait_until(lambda: books(web_service, "W6").holds, what="the dispute hold")
        wait_until(lambda: datetime.now(UTC).replace(microsecond=0) > sent_at, what="the next second")
        retried = operations.post("/api/accounts/W6/disputes", json={"reason": "amount wrong"},
                                  headers={"Idempotency-Key": "D-6"})  # fmt: skip
        without_key = operations.post("/api/accounts/W6/disputes", json={"reason": "amount wrong"})
        assert pay(operations, "W6", "1.00", "F2-W6-DISPUTE-SENTINEL", None).status_code == 200
    after = recorded(web_service, "W6", "F2-W6-DISPUTE-SENTINEL")
    assert (retried.status_code, retried.json()) == (200, first.json())
    assert (without_key.status_code, without_key.json()) == (
        422, {"error": "account W6 already has an open dispute (hold dispute-W6-1): nothing changed"},
    )  # fmt: skip
    assert after.holds == [("dispute", "dispute-W6-1", True)]
    disputes = [detail for _, action, detail in after.requests if action == "request.dispute"]
    assert [d.get("replay", False) for d in disputes] == [False, True]
