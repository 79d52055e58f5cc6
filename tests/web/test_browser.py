"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright), screenshots checked."""

from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def png_size_and_colours(png: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct pixel rows of a screenshot (a blank page has one)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    raw = zlib.decompress(data)
    stride = len(raw) // height
    return width, height, len({raw[row * stride + 1 : (row + 1) * stride] for row in range(height)})


def shot(page: Page, folder: Path, name: str) -> bytes:
    png = page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    width, height, rows = png_size_and_colours(png)
    assert width >= 800 and height >= 300 and rows > 10, f"{name}: a blank or tiny page ({width}x{height}, {rows})"
    return png


def test_a_supervisor_signs_in_clicks_from_the_dashboard_to_an_account_and_back(
    web_service: WebService, browser: Browser, tmp_path: Path
) -> None:
    last_month = date.today().replace(day=1) - timedelta(days=10)
    with web_service.client("oscar") as operations:
        paid = operations.post(
            "/api/accounts/W6/payments",
            json={"amount": "12.34", "reference": "LAST-MONTH-W6", "received_on": last_month.isoformat()},
        )
        assert paid.status_code == 200, paid.text
        wait_until(lambda: web_service.operator.status("W6")["payments_count"] == 1, what="the payment")
        held = operations.post("/api/accounts/W6/bankruptcy", json={"chapter": "7", "case_number": "BK-W6",
                                                                    "filed_on": "2026-11-02"})  # fmt: skip
    assert held.status_code == 200, held.text
    wait_until(lambda: web_service.operator.status("W6")["stage"] == "on_hold", what="the bankruptcy hold")
    noted = web_service.operator("note", "W6", "call the trustee", "--remind-on", date.today().isoformat())
    assert noted.returncode == 0, noted.stderr

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{web_service.url}/")
    assert page.url.endswith("/login"), "the dashboard asks for a token first"
    page.fill("#token", "not-a-token")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "That token is not valid."
    page.fill("#token", web_service.tokens["alice"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{web_service.url}/")
    assert "alice (supervisor)" in page.inner_text("header")
    wait_until(lambda: _count(page, "#hold-bankruptcy") >= 1, what="the dashboard to count the bankruptcy")
    # The three questions, from the dashboard alone: in bankruptcy, collected last month, waiting for me.
    assert page.inner_text("#collected-last-month") == "$12.34"
    waiting = page.locator("#waiting + table").inner_text()
    assert "W6" in waiting and "reminder" in waiting and "call the trustee" in waiting
    dashboard = shot(page, tmp_path, "dashboard")

    page.click("#hold-bankruptcy")
    page.wait_for_url("**/accounts?hold=bankruptcy")
    assert page.inner_text("h1") == "Accounts on bankruptcy hold"
    page.click("text=W6")
    page.wait_for_url("**/accounts/W6")
    assert page.inner_text("h1") == "Account W6"
    assert page.inner_text("#status-stage td") == "On hold"

    assert "bankruptcy" in page.inner_text("#timeline") and "$12.34" in page.inner_text("main")
    account = shot(page, tmp_path, "account")

    page.click("text=← Dashboard")
    page.wait_for_url(f"{web_service.url}/")
    assert page.inner_text("h1") == "Portfolio"
    page.locator("#waiting + table").get_by_role("link", name="W6").click()
    page.wait_for_url("**/accounts/W6")
    page.go_back()
    page.wait_for_url(f"{web_service.url}/")
    assert dashboard != account, "two different pages were shown"

    page.click("header button:text('sign out')")  # a POST from the header's form
    page.wait_for_url(f"{web_service.url}/login")
    page.goto(f"{web_service.url}/")
    assert page.url.endswith("/login"), "signed out: the dashboard asks for a token again"


def _count(page: Page, selector: str) -> int:
    page.reload()
    return int(page.inner_text(f"{selector} .n"))
