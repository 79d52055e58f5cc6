"""Minimum necessary (issue 13, finding 8) against `starter.py web` as a process: the viewer sees no identity,
no free text, no attorney or representative and no medical service; every view of an account is audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy.ext.asyncio import AsyncSession

from domain.intake import ACCOUNT_COLUMNS
from store import repository
from store.db import make_engine, make_session_factory
from store.views import AuditEntryView
from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import DUE, WebService
from tests.web.test_browser import shot

pytestmark = pytest.mark.e2e
MEDICAL = (
    f"M1,Pat Medical,(217) 555-0177,pat.medical@example.com,77 Elm St,Springfield,IL,62701,America/Chicago,107.00,"
    f"{DUE},Springfield Oncology Associates,true,medical"
)
DISPUTE = "billed for cancer treatment the insurer paid"
NOTE = "debtor says chemo is over; call after 5"
SECRETS = {
    "full name": "Pat Medical", "phone": "555-0177", "phone (E.164)": "2175550177", "email": "pat.medical@",
    "street": "77 Elm St", "postal code": "62701", "attorney": "Ann Counsel", "attorney's phone": "2175550199",
    "representative": "Rita Estate", "representative's email": "rita@estate.example", "dispute reason": "cancer",
    "note": "chemo", "medical service": "Oncology",
}  # fmt: skip
THIRD_PARTIES = ("Ann Counsel", "2175550199", "Rita Estate", "rita@estate.example")


@dataclass
class Loaded:
    web: WebService
    tmp: Path


def _store(web: WebService, action: Callable[[AsyncSession], Awaitable[None]]) -> None:
    async def write() -> None:
        engine = make_engine(web.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session, session.begin():
                await action(session)
        finally:
            await engine.dispose()

    asyncio.run(write())


@pytest.fixture(scope="module")
def loaded(web_service: WebService, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """M1: medical (Springfield Oncology Associates), disputed for a reason naming cancer, an attorney, an
    estate representative's contact, a note reminder due today."""
    tmp = tmp_path_factory.mktemp("medical")
    (tmp / "accounts.csv").write_text(",".join(ACCOUNT_COLUMNS) + "\n" + MEDICAL + "\n")
    assert web_service.operator("load", str(tmp / "accounts.csv")).returncode == 0
    now = datetime.now(UTC)

    async def people(session: AsyncSession) -> None:
        await repository.add_attorney(
            session,
            account_id="M1",
            name="Ann Counsel",
            phone="(217) 555-0199",
            email=None,
            now=now,
        )
        await repository.add_attorney(
            session, account_id="M1", name="Rita Estate", phone=None, email="rita@estate.example", now=now,
            role="representative",
        )  # fmt: skip
        await repository.add_note(
            session,
            account_id="M1",
            author="oscar",
            text=NOTE,
            remind_on=now.date(),
            now=now,
        )

    _store(web_service, people)
    with web_service.client("oscar") as operations:
        assert operations.post("/api/accounts/start", json={"account_ids": ["M1"]}).status_code == 200
        disputed = operations.post(
            "/api/accounts/M1/disputes", json={"reason": DISPUTE}, headers={"Idempotency-Key": "m1-dispute"}
        )
        assert disputed.status_code == 200, disputed.text
    with web_service.client("alice") as supervisor:
        wait_until(
            lambda: DISPUTE in str(supervisor.get("/api/accounts/M1").json().get("hold")), what="M1's dispute hold"
        )
    return Loaded(web_service, tmp)


def _audit(web: WebService) -> list[AuditEntryView]:
    """M1's audit log, read in a thread of its own (Playwright's loop may run in this one)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(web.audit, "M1").result()


def _views(web: WebService, action: str) -> list[tuple[str, str]]:
    return [(e.actor, e.detail.get("role", "")) for e in _audit(web) if e.action == action]


def _leaks(text: str, secrets: dict[str, str] = SECRETS) -> list[str]:
    return [what for what, secret in secrets.items() if secret.lower() in text.lower()]


def test_the_api_answer_withholds_the_dispute_reason_from_a_viewer_and_each_get_is_audited(loaded: Loaded) -> None:
    web = loaded.web
    before = _views(web, "view.api_account")
    answers = {}
    for name in ("vera", "oscar", "alice"):
        with web.client(name) as client:
            answers[name] = client.get("/api/accounts/M1")
    assert [answer.status_code for answer in answers.values()] == [200, 200, 200]
    assert answers["vera"].json()["hold"] == "dispute: (withheld)"
    assert answers["vera"].json()["balance_cents"] == 10700, "the viewer sees the money"
    assert _leaks(answers["vera"].text) == []
    assert DISPUTE in answers["oscar"].text and DISPUTE in answers["alice"].text
    added = _views(web, "view.api_account")[len(before) :]
    assert added == [("vera", "viewer"), ("oscar", "operations"), ("alice", "supervisor")]


def test_the_account_page_shows_a_viewer_masked_identity_and_a_supervisor_everything(loaded: Loaded) -> None:
    web = loaded.web
    before = _views(web, "view.account_page")
    pages = {}
    for name in ("vera", "oscar", "alice"):
        with web.client(name) as client:
            pages[name] = client.get("/accounts/M1")
    assert [page.status_code for page in pages.values()] == [200, 200, 200]
    viewer = pages["vera"].text
    assert _leaks(viewer) == [], "the viewer's page"
    for masked in ("P. M.", "•••-•••-0177", "p•••@example.com", "Springfield, IL", "(withheld)"):
        assert masked in viewer, masked
    assert set(_leaks(pages["alice"].text)) == set(SECRETS) - {"phone"}, "the supervisor sees all (phones as E.164)"
    operations = _leaks(pages["oscar"].text)
    assert "medical service" not in operations and "full name" in operations and "attorney" in operations
    added = _views(web, "view.account_page")[len(before) :]
    assert added == [("vera", "viewer"), ("oscar", "operations"), ("alice", "supervisor")]


def test_the_queue_withholds_note_text_from_a_viewer_and_audits_whom_it_showed_it(loaded: Loaded) -> None:
    web = loaded.web
    before = _views(web, "view.api_queue")
    with web.client("vera") as viewer, web.client("alice") as supervisor:
        seen = [item for item in viewer.get("/api/queue").json() if item["account_id"] == "M1"]
        assert _views(web, "view.api_queue") == before, "nothing personal shown: no entry"
        full = [item for item in supervisor.get("/api/queue").json() if item["account_id"] == "M1"]
    assert [item["reminders"] for item in seen] == [["(withheld)"]]
    assert [item["reminders"] for item in full] == [[NOTE]]
    assert _views(web, "view.api_queue")[len(before) :] == [("alice", "supervisor")]
    with httpx.Client(base_url=web.url, cookies={"collections_token": web.tokens["vera"]}) as signed_in:
        for path in ("/", "/queue", "/accounts"):
            answer = signed_in.get(path)
            assert answer.status_code == 200 and _leaks(answer.text) == [], path


def test_the_month_end_report_names_the_medical_creditor_by_its_billing_name_only(loaded: Loaded) -> None:
    out = loaded.tmp / "month-end"
    month = date.today().strftime("%Y-%m")
    made = loaded.web.operator("report", "month-end", "--month", month, "--out", str(out))
    assert made.returncode == 0, made.stderr
    text = "\n".join(path.read_text() for path in sorted(out.iterdir()))
    assert "Springfield" in text and "Oncology" not in text


@pytest.mark.browser
def test_a_viewer_in_a_browser_reads_the_medical_account_masked(
    loaded: Loaded,
    browser: Browser,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    web = loaded.web
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.context.add_cookies([{"name": "collections_token", "value": web.tokens["vera"], "url": web.url}])
    page.goto(f"{web.url}/accounts/M1")
    assert page.inner_text("h1") == "Account M1"
    shown = page.inner_text("main")
    assert _leaks(shown) == []
    assert "P. M." in shown and "•••-•••-0177" in shown and "Springfield" in shown
    assert page.inner_text("#status-hold td").startswith("Dispute: (withheld)")
    shot(page, tmp_path, "viewer-account")


def test_the_cli_shows_each_operator_what_their_configured_role_may_see_and_audits_it(loaded: Loaded) -> None:
    web, out = loaded.web, loaded.tmp / "pack"
    viewer, supervisor = web.operator.acting_as("val", "viewer"), web.operator.acting_as("sam", "supervisor")
    before = len(_audit(web))
    seen = {command: viewer(command, "M1") for command in ("status", "show")} | {"queue": viewer("queue")}
    assert [answer.returncode for answer in seen.values()] == [0, 0, 0], [a.stderr for a in seen.values()]
    for command, answer in seen.items():
        assert _leaks(answer.stdout) == [], command
    assert "dispute: (withheld)" in seen["status"].stdout and "P. M." in seen["show"].stdout
    full = supervisor("show", "M1")
    assert (
        full.returncode == 0 and "Pat Medical" in full.stdout and "cancer" in full.stdout and "Oncology" in full.stdout
    )
    refused = viewer("audit", "M1", "--out", str(out))
    assert refused.returncode == 1 and refused.stderr.strip().startswith(
        "error: val (viewer) may not write an audit pack"
    )
    assert not out.exists(), "nothing written"
    assert supervisor("audit", "M1", "--out", str(out)).returncode == 0
    views = [(e.actor, e.action, e.detail) for e in _audit(web)[before:]]
    assert views == [
        ("val", "view.cli_status", {"role": "viewer"}), ("val", "view.cli_show", {"role": "viewer"}),
        ("sam", "view.cli_show", {"role": "supervisor"}), ("sam", "view.audit_pack", {"role": "supervisor"}),
    ], "the queue showed the viewer no reminder text: no entry"  # fmt: skip
    log = (out / "audit_log.csv").read_text()
    assert "view.cli_status" in log and "val" in log, "the audit pack lists who viewed the account"
