"""The JSON event API over HTTP: each role does what it may, the rest is refused (401/403) and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import DUE, WebService

pytestmark = pytest.mark.e2e


def balance(web: WebService, account_id: str) -> int:
    return int(web.operator.status(account_id)["balance_cents"])


def test_requests_without_a_valid_token_get_401_and_change_nothing(web_service: WebService) -> None:
    payment = {"amount": "10.00", "reference": "NOAUTH-1"}
    with web_service.client() as anonymous:
        assert anonymous.get("/api/accounts/W1").status_code == 401
        refused = anonymous.post("/api/accounts/W1/payments", json=payment)
    with web_service.client() as forged:
        forged.headers["Authorization"] = "Bearer not-a-token"
        forged_refusal = forged.post("/api/accounts/W1/payments", json=payment)
    assert (refused.status_code, refused.json()) == (401, {"error": "a valid token is required"})
    assert refused.headers["www-authenticate"] == "Bearer"
    assert forged_refusal.status_code == 401
    assert balance(web_service, "W1") == 10_000 and web_service.requests("W1") == []


def test_a_role_without_the_permission_gets_403_and_changes_nothing(web_service: WebService) -> None:
    with web_service.client("vera") as viewer:
        assert viewer.get("/api/accounts/W2").status_code == 200, "a viewer reads"
        paid = viewer.post("/api/accounts/W2/payments", json={"amount": "10.00", "reference": "VIEW-1"})
    with web_service.client("oscar") as operations:
        approved = operations.post("/api/accounts/W2/approval", json={"approve": True})
    assert (paid.status_code, paid.json()) == (403, {"error": "the viewer role may not send events or start workflows"})
    assert approved.status_code == 403
    assert balance(web_service, "W2") == 20_000 and web_service.requests("W2") == []


def test_an_operator_records_a_payment_once_and_the_audit_log_names_who(web_service: WebService) -> None:
    body = {"amount": "25.50", "reference": "API-PAY-1", "received_on": DUE}
    with web_service.client("oscar") as operations:
        first = operations.post("/api/accounts/W3/payments", json=body)
        wait_until(lambda: balance(web_service, "W3") == 30_000 - 2_550, what="the payment to apply")
        again = operations.post("/api/accounts/W3/payments", json=body)
    assert first.status_code == 200 and first.json()["by"] == "oscar", first.text
    assert again.status_code == 200 and again.json()["result"].startswith("duplicate")
    assert web_service.operator.status("W3")["payments_count"] == 1
    [entry, duplicate] = web_service.requests("W3")
    assert (entry.actor, entry.action, entry.detail["role"]) == ("oscar", "request.payment", "operations")
    assert entry.detail["reference"] == "API-PAY-1" and entry.detail["amount_cents"] == 2_550
    assert duplicate.detail["result"].startswith("duplicate")


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/accounts/W1/payments", {"amount": "-5.00", "reference": "BAD-1"}, 422, "amount"),
        ("/api/accounts/W1/payments", {"amount": "12.345", "reference": "BAD-2"}, 422, "12.345"),
        ("/api/accounts/W1/payments", {"amount": "5.00", "reference": ""}, 422, "reference"),
        ("/api/accounts/W1/payments", {"amount": "5.00", "reference": "BAD-3", "received_on": "2999-01-01"}, 422,
         "in the future"),
        ("/api/accounts/W1/payments", {"amount": "5.00", "reference": "BAD-4", "agency": "nobody"}, 422,
         "unknown agency"),
        ("/api/accounts/NOPE/payments", {"amount": "5.00", "reference": "BAD-5"}, 404, "unknown account NOPE"),
        ("/api/accounts/W1/bankruptcy", {"chapter": "9", "case_number": "BK-X", "filed_on": "2026-11-01"}, 422,
         "chapter"),
        ("/api/accounts/W1/contact-outcomes", {"attempt": 1, "outcome": "cheerful"}, 422, "outcome"),
        ("/api/accounts/W1/payments", "not json", 422, ""),
    ],
)  # fmt: skip
def test_bad_input_gets_a_one_line_error_and_changes_nothing(
    web_service: WebService, path: str, body: Any, status: int, message: str
) -> None:
    with web_service.client("oscar") as operations:
        answer = operations.post(path, json=body)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert message in error and "\n" not in error
    assert balance(web_service, "W1") == 10_000 and web_service.requests("W1") == []


def test_an_event_for_a_closed_account_is_refused(web_service: WebService) -> None:
    with web_service.client("oscar") as operations:
        paid = operations.post("/api/accounts/W4/payments", json={"amount": "400.00", "reference": "CLOSE-W4"})
        assert paid.status_code == 200, paid.text
        wait_until(lambda: web_service.operator.status("W4")["stage"] == "paid", what="the account to be paid")
        late = operations.post("/api/accounts/W4/disputes", json={"reason": "not mine"})
    assert late.status_code == 422 and "closed" in late.json()["error"]


def test_a_dispute_puts_the_account_on_hold_and_the_supervisor_sees_it_by_hold(web_service: WebService) -> None:
    with web_service.client("oscar") as operations:
        opened = operations.post("/api/accounts/W5/disputes", json={"reason": "amount wrong", "amount": "40.00"})
    assert opened.status_code == 200, opened.text
    wait_until(lambda: web_service.operator.status("W5")["stage"] == "on_hold", what="the hold")
    with web_service.client("alice") as supervisor:
        listed = wait_until(
            lambda: (rows := supervisor.get("/api/accounts", params={"hold": "dispute"}).json()) and rows,
            what="the account to be listed by hold",
        )
    assert [row["account_id"] for row in listed] == ["W5"]
    [entry] = web_service.requests("W5")
    assert (entry.actor, entry.action, entry.detail["disputed_cents"]) == ("oscar", "request.dispute", 4_000)
