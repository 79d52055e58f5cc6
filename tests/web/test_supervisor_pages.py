"""What a supervisor reads on the pages, in a real browser against the web service as a process.

Money as dollars, stages and rules in words, no internal field, the next action as a sentence,
contact times on the debtor's clock with the zone's name, and the month so far beside last month.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page

from domain.intake import ACCOUNT_COLUMNS
from store import repository
from store.db import make_engine, make_session_factory
from store.views import AttemptView
from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import DUE, WebService
from tests.web.test_browser import shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
CHICAGO_ROW = (
    f"C1,Lee Chicago,(312) 555-0101,lee@example.com,1 Lake St,Chicago,IL,60601,America/Chicago,1066.38,{DUE},"
    "Northwind,false,card"
)
INTERNAL = ("cents", "resume stage", "generation", "next action at", "workflow status")
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@dataclass
class Supervised:
    web: WebService
    page: Page
    today: date
    first_installment: date


def attempts(web: WebService, account_id: str) -> list[AttemptView]:
    """The account's contact attempts, read from the store (in a thread: Playwright's loop runs in this one)."""
    url = web.operator.env["DATABASE_URL"]

    async def read() -> list[AttemptView]:
        engine = make_engine(url)
        try:
            async with make_session_factory(engine)() as session:
                return list(await repository.attempts_for(session, account_id))
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, read()).result()


@pytest.fixture(scope="module")
def supervised(
    web_service: WebService,
    browser: Browser,  # noqa: F811 (the fixture imported above)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Supervised]:
    """A Chicago account in contacting, W2 on a plan, W6 in bankruptcy, a payment this month and one last month."""
    today = datetime.now(UTC).date()
    last_month = today.replace(day=1) - timedelta(days=10)
    first_installment = today + timedelta(days=3)
    portfolio = tmp_path_factory.mktemp("chicago") / "accounts.csv"
    portfolio.write_text(",".join(ACCOUNT_COLUMNS) + "\n" + CHICAGO_ROW + "\n")
    web, operator = web_service, web_service.operator
    assert operator("load", str(portfolio)).returncode == 0
    with web.client("oscar") as operations:
        assert operations.post("/api/accounts/start", json={"account_ids": ["C1"]}).status_code == 200
        for account_id, amount, reference, received_on in (
            ("W3", "45.67", "THIS-MONTH-W3", today), ("W5", "12.34", "LAST-MONTH-W5", last_month),
        ):  # fmt: skip
            paid = operations.post(
                f"/api/accounts/{account_id}/payments",
                json={"amount": amount, "reference": reference, "received_on": received_on.isoformat()},
            )
            assert paid.status_code == 200, paid.text
        held = operations.post("/api/accounts/W6/bankruptcy", json={"chapter": "7", "case_number": "BK-W6",
                                                                    "filed_on": today.isoformat()})  # fmt: skip
        assert held.status_code == 200, held.text
    proposed = operator("propose", "W2", "--installments", "3", "--first-payment-on", first_installment.isoformat())
    assert proposed.returncode == 0, proposed.stderr
    with web.client("vera") as viewer:

        def status(account_id: str) -> dict[str, object]:
            answer = viewer.get(f"/api/accounts/{account_id}")
            assert answer.status_code == 200, answer.text
            return answer.json()  # type: ignore[no-any-return]

        wait_until(lambda: status("W2")["stage"] == "on_plan", what="W2's plan")
        wait_until(lambda: status("W6")["stage"] == "on_hold", what="W6's bankruptcy hold")
        wait_until(lambda: status("W3")["payments_count"] == status("W5")["payments_count"] == 1, what="the payments")
        wait_until(lambda: str(status("C1")["next_action"]).startswith("email"), what="C1's letter to go out")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{web.url}/login")
    page.fill("#token", web.tokens["alice"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{web.url}/")
    yield Supervised(web, page, today, first_installment)
    page.close()


def shown(page: Page, row: str) -> str:
    return page.inner_text(f"#status-{row} td")


def assert_plain_words(text: str) -> None:
    lowered = text.lower()
    assert not [word for word in INTERNAL if word in lowered], text
    assert not SNAKE_CASE.findall(text), text


def test_the_dashboard_shows_the_month_so_far_beside_last_month(supervised: Supervised, tmp_path: Path) -> None:
    page, today = supervised.page, supervised.today
    page.goto(f"{supervised.web.url}/")
    assert page.inner_text("#collected-this-month") == "$45.67"
    assert page.inner_text("#collected-last-month") == "$12.34"
    days = f"{today.day}" if today.day == 1 else f"1–{today.day}"
    assert page.inner_text("#heading-this-month").split("\n") == ["This month to date", f"{days} {today:%b %Y}"]
    previous = today.replace(day=1) - timedelta(days=1)
    assert page.inner_text("#heading-last-month").split("\n") == ["Last month", f"1–{previous.day} {previous:%b %Y}"]
    loaded = page.locator("#period-figures tr", has_text="Accounts loaded").locator("td")
    assert loaded.nth(0).inner_text().split("\n") == ["7", "$3,166.38"], "six accounts and C1, loaded today"
    assert page.locator("#by-agency tr", has_text="In-house").locator("td").all_inner_texts() == [
        "$45.67\n1 payment", "$12.34\n1 payment"
    ]  # fmt: skip
    assert_plain_words(page.inner_text("main"))
    shot(page, tmp_path, "dashboard")


def test_an_account_on_a_plan_says_the_next_installment_in_words(supervised: Supervised, tmp_path: Path) -> None:
    page = supervised.page
    page.goto(f"{supervised.web.url}/accounts/W2")
    assert shown(page, "stage") == "On plan" and shown(page, "balance") == "$200.00"
    assert shown(page, "next-action") == f"installment 1 of 3, $66.67 due {supervised.first_installment.isoformat()}"
    assert shown(page, "plan") == "#1: 3 installments, $200.00 in all"
    installments = page.locator("table.plan tr", has_text="1 of 3").locator("td").all_inner_texts()
    assert installments == ["1 of 3", supervised.first_installment.isoformat(), "$66.67", "$0.00", "scheduled"]
    assert_plain_words(page.inner_text("#status"))
    assert_plain_words(page.inner_text("main"))
    shot(page, tmp_path, "account-on-plan")


def test_an_account_on_hold_says_what_it_waits_for(supervised: Supervised) -> None:
    page = supervised.page
    page.goto(f"{supervised.web.url}/accounts/W6")
    assert shown(page, "stage") == "On hold"
    assert shown(page, "hold") == f"Bankruptcy: chapter 7 (since {datetime.now(UTC).date().isoformat()})"
    assert shown(page, "next-action") == "wait for the hold to end; collection then resumes at contacting"
    assert page.locator("#holds tr", has_text="BK-W6").locator("td").nth(3).inner_text() == "still open"
    assert_plain_words(page.inner_text("main"))


def test_contact_times_are_on_the_debtors_clock_with_the_zones_name(supervised: Supervised) -> None:
    page = supervised.page
    [letter] = [a for a in attempts(supervised.web, "C1") if a.channel == "letter"]
    page.goto(f"{supervised.web.url}/accounts/C1")
    chicago = letter.at.astimezone(ZoneInfo("America/Chicago"))
    cells = page.locator("#attempts tr", has_text="validation notice").locator("td").all_inner_texts()
    assert cells[:5] == ["1", "Letter", "validation notice", f"{chicago:%Y-%m-%d %H:%M} America/Chicago", "sent"]
    next_action = shown(page, "next-action")
    assert re.fullmatch(r"email: reminder due \d{4}-\d\d-\d\d \d\d:\d\d America/Chicago", next_action), next_action
    assert shown(page, "balance") == "$1,066.38"
    assert "America/Chicago" in page.inner_text(".lede")
    assert_plain_words(page.inner_text("main"))
