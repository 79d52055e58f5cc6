"""The desk in a real browser against the real processes (dev server, worker.py, starter.py web): a collector
works an account to a settlement a supervisor approves, takes the payment; refusals change nothing."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService
from tests.web.test_browser import shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def signed_in(browser: Browser, web: WebService, name: str, *, width: int = 1280, height: int = 800) -> Page:
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(f"{web.url}/login")
    page.fill("#token", web.tokens[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{web.url}/")
    return page


def reloaded_shows(page: Page, selector: str, text: str) -> bool:
    page.reload()
    return text in page.inner_text(selector)


def done_line(page: Page) -> str:
    return page.inner_text("#done")


def test_a_collector_works_an_account_from_the_queue_to_an_approved_settlement_and_takes_the_payment(
    web_service: WebService, browser: Browser, tmp_path: Path
) -> None:
    web = web_service
    for waiting in ("W3", "W4"):  # callbacks due today: both wait for a person
        noted = web.operator("note", waiting, "call back about the bill", "--remind-on", date.today().isoformat())
        assert noted.returncode == 0, noted.stderr
    issued = web.operator("token", "add", "--name", "olive", "--role", "operations")
    assert issued.returncode == 0, issued.stderr
    web.tokens["olive"] = issued.stdout.strip()

    oscar = signed_in(browser, web, "oscar")
    oscar.goto(f"{web.url}/queue")
    shot(oscar, tmp_path, "queue")
    oscar.click("button:text('Next account')")
    oscar.wait_for_url("**/accounts/W*")
    account = oscar.url.rsplit("/", 1)[1]
    assert account == "W4", "the highest priority first: the larger balance"  # $400.00 owed
    olive = signed_in(browser, web, "olive")
    olive.goto(f"{web.url}/queue")
    assert "taken by oscar" in olive.inner_text(f"#queue-{account}"), "the queue says who has the account"
    olive.click("button:text('Next account')")
    olive.wait_for_url("**/accounts/W*")
    assert olive.url.rsplit("/", 1)[1] == "W3", "a second collector is never given the account the first has"
    olive.goto(f"{web.url}/accounts/{account}")
    assert olive.inner_text("#taken-by").startswith("Someone is working this account: oscar took this account")

    assert "Before dialling:" in oscar.inner_text("#call-gate"), "the gate's answer is shown before dialling"
    assert re.fullmatch(r"\w+day \d\d:\d\d there", oscar.inner_text("#debtor-clock")), "the debtor's time now"
    assert oscar.locator("summary[accesskey=p]").inner_text().startswith("Take a payment")
    shot(oscar, tmp_path, "workspace")

    # The debtor answers the callback on the line they called from: a right-party contact.
    oscar.click("#act-inbound summary")
    oscar.select_option("#act-inbound select[name=channel]", "call")
    oscar.select_option("#act-inbound select[name=outcome]", "right_party_contact")
    oscar.click("#act-inbound button[type=submit]")
    assert "inbound call recorded" in done_line(oscar)
    wait_until(lambda: reloaded_shows(oscar, "#status-stage td", "Negotiating"), what="the account to negotiate")
    oscar.click("#reminders button:text('Done')")
    assert "reminder of note" in done_line(oscar) and oscar.locator("#reminders").count() == 0

    # A settlement of $340.00 (15% off) is beyond a collector's authority: it waits for a supervisor.
    oscar.click("#act-propose summary")
    oscar.fill("#act-propose input[name=settle]", "$340")
    oscar.click("#act-propose button[type=submit]")
    assert done_line(oscar).startswith("pending approval"), done_line(oscar)
    assert oscar.locator("#approval").count() == 0, "a collector is not offered the approval"

    alice = signed_in(browser, web, "alice")
    alice.goto(f"{web.url}/approvals")
    row = alice.locator(f"#proposal-{account}")
    assert "oscar" in row.inner_text() and "settle" in row.inner_text().lower()
    shot(alice, tmp_path, "approvals")
    row.locator("button:text('Approve')").click()
    assert alice.locator(f"#proposal-{account}").count() == 0, "decided: the row leaves the queue"

    wait_until(lambda: reloaded_shows(oscar, "main", "settlement of $340.00"), what="the collector to see the plan")
    assert oscar.locator("#offers").count() == 0, "on a plan: no one-click offer replaces it"
    assert oscar.inner_text("#act-propose summary").startswith("Renegotiate")

    # A refused amount: its line beside the field, and nothing changed.
    requests_before = len(web.requests(account))
    oscar.fill("#act-payment input[name=amount]", "12.345")
    oscar.fill("#act-payment input[name=reference]", "DESK-W4-BAD")
    oscar.click("#act-payment button[type=submit]")
    error = oscar.inner_text("#error-payment-amount")
    assert error.startswith("malformed amount '12.345'") and error.endswith("nothing changed")
    assert oscar.input_value("#act-payment input[name=amount]") == "12.345", "what was typed is kept to correct"
    assert len(web.requests(account)) == requests_before
    assert web.operator.status(account)["payments_count"] == 0

    oscar.fill("#act-payment input[name=amount]", "$340.00")
    oscar.fill("#act-payment input[name=reference]", "DESK-W4-1")
    oscar.click("#act-payment button[type=submit]")
    assert "applied" in done_line(oscar), done_line(oscar)
    assert oscar.inner_text("#status-balance td") == "$0.00"
    assert oscar.inner_text("#status-stage td") == "Settled"
    shot(oscar, tmp_path, "settled")
    payment = [e for e in web.requests(account) if e.action == "request.payment"]
    assert [(e.actor, e.detail["role"]) for e in payment] == [("oscar", "operations")]


def test_a_viewer_sees_no_action_and_a_form_without_its_token_is_refused(
    web_service: WebService, browser: Browser, tmp_path: Path
) -> None:
    web = web_service
    vera = signed_in(browser, web, "vera")
    vera.goto(f"{web.url}/accounts/W2")
    assert vera.locator("#desk").count() == 0 and vera.locator("form[action*='/desk/']").count() == 0
    refused = vera.request.post(f"{web.url}/accounts/W2/desk/payment", form={"amount": "1.00", "reference": "V-1"})
    assert refused.status == 403 and "may not" in refused.text()

    oscar = signed_in(browser, web, "oscar", width=820, height=1180)  # a tablet, upright
    oscar.goto(f"{web.url}/accounts/W2")
    forged = oscar.request.post(f"{web.url}/accounts/W2/desk/payment", form={"amount": "1.00", "reference": "F-1"})
    assert forged.status == 403 and "reload the page" in forged.text()
    assert web.operator.status("W2")["payments_count"] == 0
    status, desk = oscar.locator("#status").bounding_box(), oscar.locator("#desk").bounding_box()
    assert status and desk and desk["y"] > status["y"] + status["height"], "on a tablet the actions follow the account"
    assert desk["x"] + desk["width"] <= 820
    shot(oscar, tmp_path, "tablet")


def test_the_cli_asks_the_same_gate_before_a_call_and_marks_a_reminder_done(web_service: WebService) -> None:
    operator, account = web_service.operator, "W5"
    said = operator("next-call", account)
    assert said.returncode == 0, said.stderr
    gate = said.stdout.strip()
    assert gate.startswith(("calls allowed now", "calls allowed again", "no calls")), gate
    shown = operator("show", account, "--json")
    phone = next(p for p in json.loads(shown.stdout)["contact_points"] if p["kind"] == "phone")
    placed = operator("call", account, "--phone", str(phone["contact_point_id"]), "--outcome", "voicemail")
    if gate.startswith("calls allowed now"):
        assert placed.returncode == 0 and "call placed by" in placed.stdout, placed.stderr
    else:  # outside the debtor's hours, or before the notice: refused with the gate's own words, nothing recorded
        assert placed.returncode != 0 and gate.split(":")[0] in placed.stderr and "not recorded" in placed.stderr
        assert not [e for e in web_service.audit(account) if e.action == "request.staff_call"]

    noted = operator("note", account, "ring back after lunch", "--remind-on", date.today().isoformat())
    assert noted.returncode == 0, noted.stderr
    number = noted.stdout.split()[1]
    done = operator("reminder-done", account, number)
    assert done.returncode == 0 and f"reminder of note #{number} on account {account} done" in done.stdout
    again = operator("reminder-done", account, number)
    assert again.returncode != 0 and "was done by" in again.stderr and "nothing changed" in again.stderr
    queue = operator("queue", "--reason", "reminder")
    assert account not in queue.stdout, "a reminder done leaves the work queue"


def test_a_dispute_recorded_and_answered_on_the_desk(web_service: WebService, browser: Browser) -> None:
    web, account = web_service, "W1"
    oscar = signed_in(browser, web, "oscar")
    oscar.goto(f"{web.url}/accounts/{account}")
    assert oscar.locator("#act-dispute_resolution").count() == 0, "no dispute: nothing to answer"
    oscar.click("#act-dispute summary")
    oscar.fill("#act-dispute input[name=reason]", "not my account")
    oscar.click("#act-dispute button[type=submit]")
    assert "dispute" in done_line(oscar).lower(), done_line(oscar)
    wait_until(lambda: reloaded_shows(oscar, "#status-stage td", "On hold"), what="the dispute hold")
    oscar.select_option("#act-dispute_resolution select[name=outcome]", "verified")
    oscar.click("#act-dispute_resolution button[type=submit]")
    assert "verified" in done_line(oscar), done_line(oscar)
    wait_until(lambda: not reloaded_shows(oscar, "#status-stage td", "On hold"), what="collection to resume")
    assert [e.action for e in web.requests(account)] == ["request.dispute", "request.dispute_resolution"]
