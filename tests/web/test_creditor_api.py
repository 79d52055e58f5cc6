"""Creditor changes over HTTP (the web service, dev server and worker as processes): the same ops as the CLI,
the same refusals, each write audited under the token's name."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService
from tests.web.test_write_downs import stored_balance

pytestmark = pytest.mark.e2e
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def test_charges_credits_and_a_recall_over_the_api(web_service: WebService) -> None:
    web = web_service
    visit = {"amount": "25.00", "service_date": YESTERDAY, "description": "office visit", "reference": "V-1"}
    with web.client("oscar") as oscar:
        charged = oscar.post("/api/accounts/W1/charges?wait=true", json=visit)
        assert charged.status_code == 200, charged.text
        assert "applied: balance $125.00" in charged.json()["result"]
        again = oscar.post("/api/accounts/W1/charges", json=visit)
        assert again.json()["result"].startswith("duplicate: the creditor's charge V-1")
        future = oscar.post("/api/accounts/W1/charges", json={**visit, "service_date": "2999-01-01"})
        assert future.status_code == 422 and "is in the future" in future.json()["error"]
        insurance = {"amount": "5.00", "kind": "insurance", "reference": "EOB-1"}
        paid = oscar.post("/api/accounts/W1/credits?wait=true", json=insurance)
        assert paid.status_code == 200 and "applied: balance $120.00" in paid.json()["result"], paid.text
        adjustment = {"amount": "5.00", "kind": "adjustment", "reference": "ADJ-1"}
        refused = oscar.post("/api/accounts/W1/credits", json=adjustment)
        assert refused.status_code == 403 and "a supervisor enters it" in refused.json()["error"]
    with web.client("alice") as alice:
        adjusted = alice.post("/api/accounts/W1/credits?wait=true", json=adjustment)
        assert adjusted.status_code == 200 and "applied: balance $115.00" in adjusted.json()["result"]
        recalled = alice.post("/api/accounts/W2/creditor-recall", json={"reason": "creditor closed it"})
        assert recalled.status_code == 200, recalled.text
    with web.client("vera") as viewer:
        assert viewer.post("/api/accounts/W3/creditor-recall", json={"reason": "x"}).status_code == 403
    wait_until(lambda: stored_balance(web, "W2")[1] == "recalled", what="W2 recalled")
    assert stored_balance(web, "W1") == (11_500, "contacting")
    audited = [(e.action, e.actor) for e in web.audit("W1") if e.action.startswith("creditor.")]
    assert audited == [("creditor.charged", "oscar"), ("creditor.credited", "oscar"), ("creditor.credited", "alice")]
