"""POST /api/accounts/{id}/inbound and /attorney-allows-contact: the same ops calls as the CLI, audited, once per key.

1006.14(b)(2)(i)(B): a conversation the consumer starts is a telephone conversation like any other;
1006.14(b)(3)(i): prior consent to calls given directly to the collector; 1006.6(b)(2): an attorney who
consents to direct contact or does not respond within a reasonable time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from store import repository
from store.views import AttemptView, ContactSnapshotView
from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService

pytestmark = pytest.mark.e2e


def read_store(web_service: WebService, read: Any) -> Any:
    from store.db import make_engine, make_session_factory

    async def go() -> Any:
        engine = make_engine(web_service.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session:
                return await read(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def inbound_rows(web_service: WebService, account_id: str) -> list[AttemptView]:
    rows = read_store(web_service, lambda session: repository.attempts_for(session, account_id))
    return [row for row in rows if row.inbound]


def snapshot(web_service: WebService, account_id: str) -> ContactSnapshotView:
    return read_store(web_service, lambda session: repository.contact_snapshot(session, account_id))


def test_an_inbound_call_is_recorded_once_per_key_and_the_audit_names_who_1006_14_b_2_i_B(
    web_service: WebService,
) -> None:
    """1006.14(b)(2)(i)(B) and 1006.14(b)(3)(i): the conversation and the consent reach the store's history."""
    body = {"channel": "call", "outcome": "promise_to_pay", "consent_to_calls": True, "point": "(212) 555-0102"}
    with web_service.client("oscar") as operations:
        first = operations.post("/api/accounts/W2/inbound", json=body, headers={"Idempotency-Key": "IN-1"})
        again = operations.post("/api/accounts/W2/inbound", json=body, headers={"Idempotency-Key": "IN-1"})
    assert first.status_code == 200, first.text
    result = first.json()["result"]
    assert result.startswith("inbound call recorded for account W2: a telephone conversation (promise to pay)")
    assert "prior consent to calls until" in result and "(1006.14(b)(3)(i))" in result
    assert again.status_code == 200 and again.json() == first.json(), "a replay gets the first answer"
    [row] = wait_until(lambda: inbound_rows(web_service, "W2"), what="the inbound row")
    assert (row.channel, row.status, row.outcome, row.consent_to_calls) == ("call", "received", "promise_to_pay", True)
    assert row.contact_point_id is not None, "the phone it came from"
    requests = [e for e in web_service.requests("W2") if e.action == "request.inbound"]
    assert [(e.actor, e.detail["role"]) for e in requests] == [("oscar", "operations")] * 2
    assert requests[1].detail.get("replay") is True
    wait_until(lambda: web_service.operator.status("W2")["stage"] == "negotiating", what="the right-party exit")
    assert len(inbound_rows(web_service, "W2")) == 1


def test_a_viewer_may_not_record_an_inbound_contact(web_service: WebService) -> None:
    with web_service.client("vera") as viewer:
        refused = viewer.post("/api/accounts/W1/inbound", json={"channel": "call", "outcome": "refused"})
    assert refused.status_code == 403
    assert inbound_rows(web_service, "W1") == [] and web_service.requests("W1") == []


def _in(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"channel": "call", "outcome": "refused", "at": _in(hours=2)}, "is in the future"),
        ({"channel": "call", "outcome": "refused", "at": _in(days=-30)}, "before the account existed"),
        ({"channel": "call", "outcome": "refused", "at": "2026-12-07T09:30:00"}, "UTC offset"),
        ({"channel": "sms", "outcome": "voicemail"}, "an inbound sms cannot have the outcome voicemail"),
        ({"channel": "call", "outcome": "no_answer"}, "an inbound call cannot have the outcome no_answer"),
        ({"channel": "call", "outcome": "refused", "point": "(646) 555-0199"}, "has no phone"),
        ({"channel": "fax", "outcome": "refused"}, "channel"),
        ({"channel": "call", "outcome": "cheerful"}, "outcome"),
    ],
)
def test_bad_inbound_input_gets_a_one_line_error_and_changes_nothing(
    web_service: WebService, body: dict[str, Any], message: str
) -> None:
    with web_service.client("oscar") as operations:
        answer = operations.post("/api/accounts/W1/inbound", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert message in error and "\n" not in error, error
    assert inbound_rows(web_service, "W1") == [] and web_service.requests("W1") == []


def test_an_unknown_or_closed_account_is_refused(web_service: WebService) -> None:
    call = {"channel": "call", "outcome": "refused"}
    with web_service.client("oscar") as operations:
        unknown = operations.post("/api/accounts/NOPE/inbound", json=call)
        paid = operations.post("/api/accounts/W4/payments", json={"amount": "400.00", "reference": "CLOSE-W4"})
        assert paid.status_code == 200, paid.text
        wait_until(lambda: web_service.operator.status("W4")["stage"] == "paid", what="the account to be paid")
        closed = operations.post("/api/accounts/W4/inbound", json=call)
    assert unknown.status_code == 404 and "unknown account NOPE" in unknown.json()["error"]
    assert closed.status_code == 422 and "closed" in closed.json()["error"]
    assert inbound_rows(web_service, "W4") == []


def test_an_attorney_who_allows_direct_contact_is_recorded_in_the_snapshot_1006_6_b_2(
    web_service: WebService,
) -> None:
    """1006.6(b)(2): refused without an attorney on record; recorded once (flag, audit) with one."""
    with web_service.client("oscar") as operations:
        early = operations.post("/api/accounts/W5/attorney-allows-contact", json={"reason": "consent"})
        assert early.status_code == 422 and "no attorney on record" in early.json()["error"], early.text
        bad = operations.post("/api/accounts/W5/attorney-allows-contact", json={"reason": "tired"})
        assert bad.status_code == 422
        assert not snapshot(web_service, "W5").attorney_allows_direct_contact
        added = web_service.operator("event", "attorney", "W5", "--name", "J. Counsel", "--phone", "(212) 555-0142")
        assert added.returncode == 0, added.stderr
        allowed = operations.post("/api/accounts/W5/attorney-allows-contact", json={"reason": "no_response"})
        twice = operations.post("/api/accounts/W5/attorney-allows-contact", json={"reason": "no_response"})
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["result"] == (
        "attorney on account W5 did not respond within a reasonable time: "
        "the consumer may be contacted directly (1006.6(b)(2))"
    )
    assert twice.status_code == 200 and twice.json()["result"].startswith("already recorded")
    assert snapshot(web_service, "W5").attorney_allows_direct_contact
    recorded = [e for e in web_service.audit("W5") if e.action == "contact.attorney_allows_contact"]
    assert [(e.actor, e.detail) for e in recorded] == [("oscar", {"reason": "no_response"})]
