"""The desk's supervisor pages against `starter.py web`, worker.py and a dev server as processes, driven as a
browser drives them: sign in, GET the page, read a form's hidden inputs (CSRF token, request key), POST it
form-encoded. The approval queue (proposals and write-downs; the one who asked never decides), the suspense
queue (applied to an account, refunded), the team's day; a viewer sees the lists and no form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import httpx
import pytest

from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService
from tests.web.test_payment_files_api import a_file, post
from tests.web.test_write_downs import open_dispute, stored_balance, stored_write_downs

pytestmark = pytest.mark.e2e
TODAY = date.today().isoformat()


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class Forms(HTMLParser):
    """The page's POST forms, each with its inputs' names and values (hidden ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("method") == "post":
            self._open = Form(found.get("action", ""))
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and "name" in found:
            self._open.fields[found["name"]] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms_on(page: str) -> list[Form]:
    parser = Forms()
    parser.feed(page)
    return [form for form in parser.forms if form.action != "/logout"]


def row(page: str, row_id: str) -> str:
    """The text of one table row (tags taken out, spaces collapsed), '' when the page has no such row."""
    found = re.search(rf'<tr id="{re.escape(row_id)}">(.*?)</tr>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


class Desk:
    """One person at the desk in a browser: signed in through the sign-in form (the cookie)."""

    def __init__(self, web: WebService, name: str) -> None:
        self.client = httpx.Client(base_url=web.url, timeout=60)
        signed_in = self.client.post("/login", data={"token": web.tokens[name]})
        assert signed_in.status_code == 303, signed_in.text

    def page(self, path: str, status: int = 200) -> str:
        answer = self.client.get(path)
        assert answer.status_code == status, (path, answer.status_code, answer.text[:500])
        return answer.text

    def submit(self, path: str, action: str, *, approve: str | None = None, **fields: str) -> httpx.Response:
        """Fill in the form posting to `action` on `path` (the one whose hidden `approve` is `approve`) and send it."""
        [form] = [
            f for f in forms_on(self.page(path)) if f.action == action and f.fields.get("approve", approve) == approve
        ]
        return self.send(form, **fields)

    def send(self, form: Form, **fields: str) -> httpx.Response:
        return self.client.post(form.action, data={**form.fields, **fields})

    def after(self, answer: httpx.Response, to: str) -> str:
        """The page a done form redirected to (it shows the result line once)."""
        assert (answer.status_code, answer.headers.get("location")) == (303, to), answer.text[:800]
        return self.page(to)


@pytest.fixture(scope="module")
def desk(web_service: WebService) -> Iterator[WebService]:
    """The web service with a second supervisor, sam: the one who approves what alice asked for."""
    issued = web_service.operator("token", "add", "--name", "sam", "--role", "supervisor")
    assert issued.returncode == 0, issued.stderr
    web_service.tokens["sam"] = issued.stdout.strip()
    yield web_service


def done_line(page: str) -> str:
    found = re.search(r'<p class="done" role="status" id="done">(.*?)</p>', page, re.S)
    return found.group(1) if found else ""


def test_a_write_down_waits_in_the_approval_queue_and_a_supervisor_decides_it_from_the_page(desk: WebService) -> None:
    web = desk
    open_dispute(web, "W1")
    with web.client("oscar") as operations:
        asked = operations.post("/api/accounts/W1/dispute-resolution", json={"outcome": "upheld"})
    assert asked.status_code == 200, asked.text
    [pending] = [w for w in stored_write_downs(web) if w.account_id == "W1"]
    key, action = f"write-down-{pending.number}", f"/approvals/write-downs/{pending.number}"

    alice, oscar, vera = Desk(web, "alice"), Desk(web, "oscar"), Desk(web, "vera")
    shown = row(alice.page("/approvals"), key)
    assert "W1" in shown and "Pat Doe 1" in shown and "Northwind" in shown and "$100.00 (dispute upheld)" in shown
    assert "every write-down by operations waits for a supervisor (limit $0.00)" in shown
    assert "oscar (operations)" in shown

    # operations and a viewer see the list, and no form; a viewer sees the debtor's initials only
    for person in (oscar, vera):
        listed = person.page("/approvals")
        assert row(listed, key) and forms_on(listed) == [] and "A supervisor decides these." in listed
    assert "Pat Doe" not in row(vera.page("/approvals"), key) and "P. D." in row(vera.page("/approvals"), key)
    assert oscar.client.post(action, data={"approve": "true"}).status_code == 403

    # a decline needs a reason: refused beside the row, nothing changed
    refused = alice.submit("/approvals", action, approve="false", reason="  ")
    assert refused.status_code == 422
    assert "a decline needs a reason: nothing changed" in row(refused.text, key)
    assert stored_write_downs(web)[0].status == "pending" and stored_balance(web, "W1") == (10_000, "on_hold")

    [approve] = [f for f in forms_on(alice.page("/approvals")) if f.action == action and f.fields["approve"] == "true"]
    page = alice.after(alice.send(approve), "/approvals")
    assert done_line(page).startswith(f"write-down #{pending.number} approved by alice (asked by oscar): $100.00")
    assert row(page, key) == "" and "No write-down is waiting." in page
    assert done_line(alice.page("/approvals")) == "", "the result is shown once"
    wait_until(lambda: stored_balance(web, "W1") == (0, "closed"), what="W1 written down")

    again = alice.send(approve)  # the same form sent twice (the back button): done once, the first answer
    assert again.status_code == 303
    assert [e.actor for e in web.audit("W1") if e.action == "write_down.approved"] == ["alice"]
    decided = [e for e in web.requests("W1") if e.action == "request.write_down_approval"]
    assert [(e.actor, e.detail.get("replay", False)) for e in decided] == [("alice", False), ("alice", True)]


def test_the_supervisor_who_proposed_is_refused_beside_the_row_and_another_approves(desk: WebService) -> None:
    web = desk
    wait_until(lambda: web.operator.status("W2")["stage"] == "contacting", what="W2 contacting")
    proposed = web.operator.acting_as("alice", "supervisor")("propose", "W2", "--settle", "160.00")
    assert proposed.returncode == 0 and proposed.stdout.startswith("pending approval"), proposed.stdout

    alice, sam = Desk(web, "alice"), Desk(web, "sam")
    shown = row(alice.page("/approvals"), "proposal-W2")
    assert "Pat Doe 2" in shown and "$200.00" in shown and "settlement of $160.00 due" in shown
    assert "20% ($40.00) off" in shown and "alice" in shown
    assert "20% off is over the 5% allowed without approval and the collector limit of 10%" in shown
    assert "a supervisor may approve up to 30%" in shown

    refused = alice.submit("/approvals", "/approvals/proposals/W2", approve="true")
    assert refused.status_code == 403
    assert "alice put this proposal forward: another supervisor decides it; nothing changed" in row(
        refused.text, "proposal-W2"
    )
    assert web.operator.status("W2")["pending_approval"] == "settlement needs a supervisor"

    page = sam.after(sam.submit("/approvals", "/approvals/proposals/W2", approve="true"), "/approvals")
    assert done_line(page).startswith("account W2: ") and row(page, "proposal-W2") == ""
    wait_until(lambda: web.operator.status("W2")["stage"] == "on_plan", what="W2 on its settlement plan")
    [decision] = [e for e in web.audit("W2") if e.action == "request.approval"]
    assert (decision.actor, decision.detail["decision"]) == ("sam", "accepted")


def test_a_suspense_item_is_applied_to_an_account_or_refunded_from_the_page(desk: WebService) -> None:
    web = desk
    body = a_file(f"D-1,NOPE-1,,12.34,{TODAY},Sam Stranger", f"D-2,NOPE-2,,5.00,{TODAY},Ann Other", total="17.34")
    status, report = post(web, "oscar", body, "desk.csv")
    assert status == 200 and report["suspense"] == 2, report
    oscar, vera, alice = Desk(web, "oscar"), Desk(web, "vera"), Desk(web, "alice")
    listed = oscar.page("/suspense")
    ids = re.findall(r'<tr id="suspense-(\d+)">', listed)
    first, second = (f"suspense-{n}" for n in ids[-2:])
    assert "desk.csv, line 2" in row(listed, first) and "$12.34" in row(listed, first)
    assert "D-1" in row(listed, first) and "NOPE-1" in row(listed, first) and "Sam Stranger" in row(listed, first)
    apply_to, refund = f"/suspense/{ids[-2]}/apply", f"/suspense/{ids[-2]}/refund"
    assert {f.action for f in forms_on(listed)} >= {apply_to} and refund not in {f.action for f in forms_on(listed)}

    seen = vera.page("/suspense")
    assert forms_on(seen) == [] and "$12.34" in row(seen, first) and "Sam Stranger" not in seen and "S. S." in seen

    unknown = oscar.submit("/suspense", apply_to, account="W99")
    assert unknown.status_code == 404 and "unknown account W99" in row(unknown.text, first)

    page = oscar.after(oscar.submit("/suspense", apply_to, account="W3", reason="name on the cheque"), "/suspense")
    assert done_line(page).startswith(f"suspense item {ids[-2]} applied: ") and row(page, first) == ""
    wait_until(lambda: stored_balance(web, "W3")[0] == 30_000 - 1_234, what="W3 paid from suspense")
    assert [e.actor for e in web.requests("W3") if e.action == "request.suspense.apply"] == ["oscar"]

    refund_second = f"/suspense/{ids[-1]}/refund"
    blank = alice.submit("/suspense", refund_second, reason="")
    assert blank.status_code == 422 and "reason: required; nothing changed" in row(blank.text, second)
    page = alice.after(alice.submit("/suspense", refund_second, reason="payer unknown"), "/suspense")
    assert done_line(page) == f"suspense item {ids[-1]} marked to be refunded by alice: it is on `payments refunds`"
    assert row(page, second) == ""


def test_the_team_view_counts_each_persons_day(desk: WebService) -> None:
    web = desk
    with web.client("oscar") as operations:
        paid = operations.post("/api/accounts/W4/payments", json={"amount": "10.00", "reference": "DESK-TEAM-1"})
        assert paid.status_code == 200, paid.text
        due = (date.today() + timedelta(days=5)).isoformat()
        promised = operations.post("/api/accounts/W5/promises", json={"amount": "50.00", "date": due})
        assert promised.status_code == 200, promised.text

    alice = Desk(web, "alice")
    page = alice.page("/team")
    assert f"Team: {TODAY} (today)" in page and "UTC day" in page
    oscar = row(page, "collector-oscar").split()
    assert oscar[:2] == ["oscar", "operations"] and int(oscar[2]) >= 2, oscar
    assert oscar[3:] == ["1", "0", "1", "$10.00"], "one promise (not yet kept), one payment of $10.00"
    assert '<table id="blocked">' in page
    assert Desk(web, "vera").page("/team") and Desk(web, "oscar").page("/team", status=403)
    yesterday = alice.page(f"/team?day={(date.today() - timedelta(days=1)).isoformat()}")
    assert "Nobody worked an account that day." in yesterday
    assert "a date as YYYY-MM-DD" in alice.page("/team?day=yesterday", status=422)
