"""The collector's queue in the browser, against `starter.py web` as a process: "My queue" by priority with its
filters and count, "Next account" taking a different account for each collector, who has taken what, and
giving one back; a viewer sees the queue and may not take one. Through the HTML forms (CSRF token read from
the page), as a browser sends them."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from tests.web.conftest import WebService

pytestmark = pytest.mark.e2e
REMINDED = ("W2", "W4", "W5")
"""Reminders due today bring these to the queue; by priority (balance $100 x n, 40 days past due): W5, W4, W2."""


@pytest.fixture(scope="module")
def desk(web_service: WebService) -> Iterator[WebService]:
    """The web service with a second collector (olga, operations) and three accounts waiting."""
    issued = web_service.operator("token", "add", "--name", "olga", "--role", "operations")
    assert issued.returncode == 0, issued.stderr
    web_service.tokens["olga"] = issued.stdout.strip()
    today = datetime.now(UTC).date().isoformat()
    with web_service.client("alice") as alice:
        for account_id in REMINDED:
            added = alice.post(f"/api/accounts/{account_id}/notes", json={"text": "call back", "remind_on": today})
            assert added.status_code == 200, added.text
    yield web_service


def browser(web: WebService, name: str) -> httpx.Client:
    """Signed in as `name` (the sign-in cookie), not following redirects: a test reads where they go."""
    return httpx.Client(base_url=web.url, cookies={"collections_token": web.tokens[name]}, timeout=60)


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the page's form posting to `action`."""
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert found, f"no form to {action}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found.group(1)))


def take_next(client: httpx.Client, query: str = "") -> httpx.Response:
    page = client.get(f"/queue{query}")
    assert page.status_code == 200, page.text
    return client.post("/queue/next", data=form_fields(page.text, "/queue/next"))


def row(html: str, account_id: str) -> str:
    found = re.search(rf'<tr id="queue-{account_id}">(.*?)</tr>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def test_two_collectors_take_different_accounts_see_who_has_what_and_give_one_back(desk: WebService) -> None:
    with browser(desk, "oscar") as oscar, browser(desk, "olga") as olga:
        first = oscar.get("/queue")
        assert "<h1>My queue</h1>" in first.text and "3 accounts waiting" in first.text
        assert re.findall(r'<tr id="queue-(W\d)">', first.text) == ["W5", "W4", "W2"], "highest priority first"
        assert 'accesskey="n"' in first.text

        took = oscar.post("/queue/next", data=(sent := form_fields(first.text, "/queue/next")))
        assert (took.status_code, took.headers["location"]) == (303, "/accounts/W5")
        again = oscar.post("/queue/next", data=sent)
        assert again.headers["location"] == "/accounts/W5", "the same form sent twice takes one account"
        assert re.search(r"took W5 until \d\d:\d\d UTC", oscar.get("/accounts/W5").text), "the page says so"

        theirs = take_next(olga)
        assert (theirs.status_code, theirs.headers["location"]) == (303, "/accounts/W4")
        shown = olga.get("/queue").text
        assert re.fullmatch(r".* taken by oscar until \d\d:\d\d UTC", row(shown, "W5")), row(shown, "W5")
        assert re.fullmatch(r".* taken by olga until \d\d:\d\d UTC Release", row(shown, "W4")), "hers to give back"
        assert "taken" not in row(shown, "W2")
        taken = [(e.actor, e.action) for e in desk.audit("W5") if e.action in ("claim.taken", "request.queue_next")]
        assert taken == [("oscar", "claim.taken"), ("oscar", "request.queue_next"), ("oscar", "request.queue_next")]

        released = olga.post("/queue/release", data=form_fields(shown, "/queue/release"))
        assert (released.status_code, released.headers["location"]) == (303, "/queue")
        after = olga.get("/queue").text
        assert "released W4" in after and "taken" not in row(after, "W4")
        assert take_next(oscar).headers["location"] == "/accounts/W4", "next moves on: W4 is free again, W5 given back"
        assert take_next(olga).headers["location"] == "/accounts/W5", "the account oscar moved on from is free"
        nothing = take_next(oscar, "?reason=probate")
        assert nothing.status_code == 200 and "Nothing waiting; nothing changed" in nothing.text

    with desk.client("olga") as api:
        answer = api.post("/api/queue/next", params={"segment": "card"})
        none_such = api.post("/api/queue/next", params={"segment": "none-such"})
        listed = api.get("/api/queue", params={"creditor": "Northwind"}).json()
    assert (answer.status_code, answer.json()["account_id"]) == (200, "W2"), "she moves on: " + answer.text
    assert [e.actor for e in desk.audit("W4") if e.action == "claim.released"] == ["olga"]
    assert (none_such.status_code, none_such.json()) == (404, {"error": "nothing waiting; nothing changed"})
    assert {(i["account_id"], i["taken_by"], i["segment"], i["creditor"]) for i in listed} == {
        ("W2", "olga", "card", "Northwind"), ("W4", "oscar", "card", "Northwind"), ("W5", None, "card", "Northwind"),
    }  # fmt: skip


def test_the_filters_narrow_the_queue_and_the_count(desk: WebService) -> None:
    with browser(desk, "alice") as alice:
        card = alice.get("/queue", params={"segment": "card", "creditor": "Northwind", "reason": "reminder"}).text
        other = alice.get("/queue", params={"segment": "retail"}).text
        bad = alice.get("/queue", params={"stage": "nowhere"})
    assert "<h1>Work queue: note reminders</h1>" in card and "3 accounts waiting" in card
    assert '<option value="card" selected>card</option>' in card
    assert "0 accounts waiting" in other and "Nothing is waiting." in other
    assert bad.status_code == 422 and "unknown stage 'nowhere'" in html.unescape(bad.text)


def test_a_viewer_sees_the_queue_without_the_button_and_may_not_take_one(desk: WebService) -> None:
    with browser(desk, "vera") as vera, browser(desk, "oscar") as oscar:
        page = vera.get("/queue")
        refused = vera.post("/queue/next", data={"request_key": "form-x"})
        forged = oscar.post("/queue/next", data={"request_key": "form-y"})
    assert page.status_code == 200 and "<h1>Work queue</h1>" in page.text and "accounts waiting" in page.text
    assert "Next account" not in page.text and "/queue/next" not in page.text
    assert refused.status_code == 403 and "the viewer role may not send events" in refused.text
    assert forged.status_code == 403 and "this form has expired" in forged.text, "no CSRF token: refused"
    with desk.client("vera") as api:
        assert api.post("/api/queue/next").status_code == 403


def test_the_cli_takes_the_next_account_as_the_configured_collector(desk: WebService) -> None:
    olaf = desk.operator.acting_as("olaf", "operations")
    before = {item["account_id"]: item["taken_by"] for item in json.loads(olaf("queue", "--json").stdout)}
    took = olaf("queue", "--next", "--reason", "reminder", "--json")
    assert took.returncode == 0, took.stderr
    answer = json.loads(took.stdout)
    assert answer["by"] == "olaf" and before[answer["account_id"]] in (None, "olaf"), (answer, before)
    after = {item["account_id"]: item["taken_by"] for item in json.loads(olaf("queue", "--json").stdout)}
    assert after[answer["account_id"]] == "olaf"
    refused = desk.operator.acting_as("val", "viewer")("queue", "--next")
    assert refused.returncode == 1 and "val (viewer) may not send events" in refused.stderr
