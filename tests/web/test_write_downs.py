"""Issue 13, finding 1 (the approval half): an operations token can no longer wipe a balance.

`POST /disputes` then `POST /dispute-resolution {"outcome": "upheld"}` by oscar (operations) used to take
$100.00 to $0.00 and close the account. Now the balance stays, a pending write-down is recorded (audited
with oscar's name), oscar cannot approve it (403), and alice (supervisor) approving it writes the balance
down once, the audit log naming both. The web service runs as a process; the store is read directly.
"""

from __future__ import annotations

import asyncio

import pytest

from store import repository
from store import write_downs as write_down_store
from store.db import make_engine, make_session_factory
from store.write_downs import WriteDownView
from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService

pytestmark = pytest.mark.e2e


def stored_write_downs(web: WebService) -> list[WriteDownView]:
    async def read() -> list[WriteDownView]:
        engine = make_engine(web.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session:
                return await write_down_store.write_downs(session, status=None)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def stored_balance(web: WebService, account_id: str) -> tuple[int, str | None]:
    async def read() -> tuple[int, str | None]:
        engine = make_engine(web.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session:
                account = await repository.get_account(session, account_id)
                assert account is not None
                return account.balance_cents, account.stage
        finally:
            await engine.dispose()

    return asyncio.run(read())


def open_dispute(web: WebService, account_id: str) -> None:
    with web.client("oscar") as operations:
        opened = operations.post(f"/api/accounts/{account_id}/disputes", json={"reason": "not mine"})
    assert opened.status_code == 200, opened.text
    wait_until(lambda: web.operator.status(account_id)["stage"] == "on_hold", what=f"{account_id}'s dispute hold")


def test_an_operations_upheld_dispute_waits_for_a_supervisor_who_applies_it_once(web_service: WebService) -> None:
    web = web_service
    open_dispute(web, "W1")
    assert stored_balance(web, "W1") == (10_000, "on_hold")

    with web.client("oscar") as operations:
        asked = operations.post("/api/accounts/W1/dispute-resolution", json={"outcome": "upheld"})
    assert asked.status_code == 200, asked.text
    [pending] = stored_write_downs(web)
    assert asked.json()["result"] == (
        f"waiting for a supervisor's approval: write-down #{pending.number}, $100.00 (dispute upheld) on account W1"
    )
    assert (pending.account_id, pending.amount_cents, pending.status) == ("W1", 10_000, "pending")
    assert (pending.requested_by, pending.requested_role) == ("oscar", "operations")
    assert stored_balance(web, "W1") == (10_000, "on_hold"), "nothing was sent to the workflow"
    assert web.operator.status("W1")["stage"] == "on_hold"
    requested = [e for e in web.audit("W1") if e.action == "write_down.requested"]
    assert [(e.actor, e.detail["amount_cents"]) for e in requested] == [("oscar", 10_000)]
    assert web.requests("W1")[-1].actor == "oscar"

    with web.client("oscar") as operations:
        listed = operations.get("/api/write-downs")
        refused = operations.post(f"/api/write-downs/{pending.number}/approval", json={"approve": True})
    assert [item["number"] for item in listed.json()] == [pending.number]
    assert listed.json()[0]["what"] == "dispute upheld"
    assert (refused.status_code, refused.json()) == (403, {"error": "the operations role may not approve offers"})
    assert stored_write_downs(web)[0].status == "pending" and stored_balance(web, "W1")[0] == 10_000

    with web.client("alice") as supervisor:
        approved = supervisor.post(f"/api/write-downs/{pending.number}/approval", json={"approve": True})
        assert approved.status_code == 200, approved.text
        wait_until(lambda: stored_balance(web, "W1") == (0, "closed"), what="the write-down to apply")
        again = supervisor.post(f"/api/write-downs/{pending.number}/approval", json={"approve": True})
    assert approved.json()["result"].startswith(
        f"write-down #{pending.number} approved by alice (asked by oscar): $100.00 (dispute upheld)"
    )
    assert again.status_code == 422 and again.json() == {
        "error": f"write-down #{pending.number} was already approved by alice: nothing changed"
    }
    [decided] = stored_write_downs(web)
    assert (decided.status, decided.decided_by) == ("approved", "alice")
    trail = web.audit("W1")
    [approval] = [e for e in trail if e.action == "write_down.approved"]
    assert (approval.actor, approval.detail["requested_by"]) == ("alice", "oscar")
    assert [e.detail["amount_cents"] for e in trail if e.action == "balance.adjusted"] == [10_000], "once"


def test_a_supervisor_applies_a_write_down_at_once_and_a_verified_dispute_never_waits(
    web_service: WebService,
) -> None:
    web = web_service
    open_dispute(web, "W2")
    with web.client("oscar") as operations:
        verified = operations.post("/api/accounts/W2/dispute-resolution", json={"outcome": "verified"})
    assert verified.status_code == 200 and "waiting" not in verified.json()["result"]
    wait_until(lambda: web.operator.status("W2")["stage"] != "on_hold", what="W2's dispute to be released")

    open_dispute(web, "W4")
    before = len(stored_write_downs(web))
    with web.client("alice") as supervisor:
        upheld = supervisor.post("/api/accounts/W4/dispute-resolution", json={"outcome": "upheld"})
    assert upheld.status_code == 200 and "waiting" not in upheld.json()["result"], upheld.text
    wait_until(lambda: stored_balance(web, "W4") == (0, "closed"), what="the supervisor's write-down")
    assert len(stored_write_downs(web)) == before


def test_a_declined_write_down_changes_no_balance_and_cannot_be_decided_again(web_service: WebService) -> None:
    web = web_service
    open_dispute(web, "W5")
    with web.client("oscar") as operations:
        asked = operations.post("/api/accounts/W5/dispute-resolution", json={"outcome": "upheld"})
    number = int(asked.json()["result"].split("#")[1].split(",")[0])
    with web.client("alice") as supervisor:
        unexplained = supervisor.post(f"/api/write-downs/{number}/approval", json={"approve": False})
        declined = supervisor.post(f"/api/write-downs/{number}/approval", json={"approve": False, "reason": "no proof"})
        late = supervisor.post(f"/api/write-downs/{number}/approval", json={"approve": True})
        unknown = supervisor.post("/api/write-downs/9999/approval", json={"approve": True})
    assert unexplained.status_code == 422 and unexplained.json()["error"] == "a decline needs a reason: nothing changed"
    assert declined.status_code == 200 and declined.json()["result"] == (
        f"write-down #{number} declined by alice (asked by oscar): nothing written down"
    )
    assert late.status_code == 422 and "already declined by alice" in late.json()["error"]
    assert unknown.status_code == 422 and unknown.json()["error"] == "no write-down #9999: nothing changed"
    assert stored_balance(web, "W5") == (50_000, "on_hold")
    [entry] = [e for e in web.audit("W5") if e.action == "write_down.declined"]
    assert (entry.actor, entry.detail["reason"], entry.detail["requested_by"]) == ("alice", "no proof", "oscar")
