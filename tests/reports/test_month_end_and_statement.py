"""The month-end pack's files and the customer statement on the fixed portfolio, by hand."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ops.errors import OpsError
from ops.report_files import month_end_figures, month_period, write_month_end
from ops.statements import StatementLine, statement, statement_html, statement_text
from store import repository, reversals
from store.reports import Period, collected, collections
from tests.reports.portfolio import COMPANY, TODAY, Sessions


def rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


async def test_the_month_end_pack_of_march(portfolio: Sessions, tmp_path: Path) -> None:
    figures = await month_end_figures(portfolio, "2026-03", today=TODAY)
    written = write_month_end(figures, tmp_path / "pack", generated_at=datetime(2026, 4, 10, 8, tzinfo=UTC))
    files = {path.name: path for path in written}
    assert sorted(files) == [
        "2026-03-aging.csv", "2026-03-aging_by_creditor.csv", "2026-03-aging_by_segment.csv", "2026-03-charges.csv",
        "2026-03-collections.csv", "2026-03-month-end.html", "2026-03-placements.csv", "2026-03-recalls.csv",
        "2026-03-write_downs.csv",
    ]  # fmt: skip
    # as the aging of 03-31: A5 350.00 (1-30), A1 850.00 (31-60), A3 170.00 (91-120)
    assert rows(files["2026-03-aging.csv"]) == [
        ["bucket", "accounts", "balance"], ["current", "0", "0.00"], ["1-30", "1", "350.00"],
        ["31-60", "1", "850.00"], ["61-90", "0", "0.00"], ["91-120", "1", "170.00"], ["121-180", "0", "0.00"],
        ["180+", "0", "0.00"], ["total", "3", "1370.00"],
    ]  # fmt: skip
    by_segment = rows(files["2026-03-aging_by_segment.csv"])
    assert ["card", "total", "2", "1200.00"] in by_segment and ["medical", "total", "1", "170.00"] in by_segment
    assert len(by_segment) == 1 + 2 * 8, "every bucket and a total for each segment"
    # each payment of March with the channel of the last contact before it and the agency it earned
    assert rows(files["2026-03-collections.csv"]) == [
        ["day", "channel", "agency", "payments", "amount", "commission"],
        ["2026-03-10", "call", "in-house", "1", "150.00", "0.00"],
        ["2026-03-12", "sms", "in-house", "1", "500.00", "0.00"],
        ["2026-03-20", "email", "acme", "1", "120.00", "30.00"],
        ["2026-03-22", "call", "in-house", "1", "300.00", "0.00"],
        ["2026-03-28", "none", "in-house", "1", "50.00", "0.00"],
    ]
    assert rows(files["2026-03-write_downs.csv"]) == [
        ["day", "account_id", "creditor", "kind", "amount", "note"],
        ["2026-03-22", "A6", "Fabrikam Auto", "settlement", "300.00", "plan 1"],  # 600.00 - 300.00 paid
        ["2026-03-26", "A3", "Contoso Health", "adjustment", "10.00", "disputed fee removed"],
        ["2026-03-28", "A4", "Fabrikam Auto", "write_off", "800.00", "bankruptcy discharged"],
    ]
    assert rows(files["2026-03-placements.csv"])[1:] == [["2026-03-02", "A3", "1", "acme", "300.00", "25"]]
    assert rows(files["2026-03-recalls.csv"])[1:] == [["2026-03-25", "A3", "1", "acme", "120.00", "no contact"]]

    assert [name for name, path in files.items() if "Cardiology" in path.read_text(encoding="utf-8")] == [], (
        "a medical creditor's service never leaves in a report"
    )
    html = files["2026-03-month-end.html"].read_text(encoding="utf-8")
    assert "<svg" in html and "$1,370.00" in html and "$1,120.00 collected" in html
    assert "$800.00" in html and "bankruptcy discharged" in html and "no contact" in html
    assert not re.search(r"<script|<link|@import|url\(|src=", html), "self-contained: nothing loaded from elsewhere"
    assert re.findall(r"https?://[^\"' ]+", html) == ["http://www.w3.org/2000/svg"], "only the SVG namespace"


def test_a_month_is_yyyy_mm() -> None:
    assert (month_period("2024-02").first, month_period("2024-02").last) == (date(2024, 2, 1), date(2024, 2, 29))
    for bad in ("2026-13", "2026-3", "March", "2026-03-01"):
        with pytest.raises(ValueError, match="--month must be YYYY-MM"):
            month_period(bad)


async def test_a_statement_lists_the_money_in_date_order_with_a_running_balance(portfolio: Sessions) -> None:
    printed = await statement(portfolio, "A1", as_of=TODAY, company_contact=COMPANY)

    assert printed.lines == [
        StatementLine(date(2026, 2, 1), "Original balance", 100_000, 100_000),
        StatementLine(date(2026, 3, 10), "Payment received, thank you (ref. P1)", -15_000, 85_000),  # 1,000 - 150
        StatementLine(date(2026, 4, 5), "Payment received, thank you (ref. P2)", -42_500, 42_500),  # 850 - 425
    ]
    assert printed.balance_cents == 42_500 and printed.reprinted_on is None
    assert printed.next_installment == {"number": 2, "due_date": date(2026, 5, 5), "amount_cents": 42_500}
    text = statement_text(printed)
    assert "DUPLICATE" not in text
    for line in (
        "Creditor:          Northwind Bank", "Account reference: A1", "Debtor A1", "1 Main St", "New York, NY 10001",
        "-$150.00       $850.00", "Current balance: $425.00", "Next installment: $425.00 due 2026-05-05", COMPANY,
        "This is a communication from a debt collector",
    ):  # fmt: skip
        assert line in text

    in_march = await statement(portfolio, "A1", as_of=date(2026, 3, 31), company_contact=COMPANY)
    assert [line.balance_cents for line in in_march.lines] == [100_000, 85_000] and in_march.balance_cents == 85_000


async def test_settlements_write_offs_and_adjustments_are_lines_too(portfolio: Sessions) -> None:
    settled = await statement(portfolio, "A6", as_of=TODAY, company_contact=COMPANY)
    assert [(line.description, line.amount_cents, line.balance_cents) for line in settled.lines] == [
        ("Original balance", 60_000, 60_000),
        ("Payment received, thank you (ref. P5)", -30_000, 30_000),  # 600 - 300
        ("Settlement: amount forgiven", -30_000, 0),  # 300 - 300
    ]
    written_off = await statement(portfolio, "A4", as_of=TODAY, company_contact=COMPANY)
    assert [(line.day, line.description, line.balance_cents) for line in written_off.lines] == [
        (date(2026, 2, 1), "Original balance", 80_000),
        (date(2026, 3, 28), "Balance written off", 0),
    ]
    medical = await statement(portfolio, "A3", as_of=TODAY, company_contact=COMPANY)
    assert medical.creditor == "Contoso Health", "no service description on a medical account"
    assert [(line.description, line.balance_cents) for line in medical.lines] == [
        ("Original balance", 30_000),
        ("Payment received, thank you (ref. P4)", 18_000),  # 300 - 120, through the agency
        ("Adjustment: disputed fee removed", 17_000),  # 180 - 10
    ]
    assert medical.balance_cents == 17_000 and medical.next_installment is None


async def test_a_duplicate_says_so_and_the_html_is_self_contained(portfolio: Sessions) -> None:
    duplicate = await statement(portfolio, "A1", as_of=TODAY, company_contact=COMPANY, reprinted_on=date(2026, 4, 12))
    assert statement_text(duplicate).startswith("*** DUPLICATE — reprinted on 2026-04-12 ***\n")
    html = statement_html(duplicate)
    assert '<p class="banner">DUPLICATE — reprinted on 2026-04-12</p>' in html
    assert "$425.00" in html and "2026-05-05" in html and "Debtor A1" in html
    assert not re.search(r"<script|<link|https?://|src=", html)
    assert duplicate.as_dict()["duplicate"] is True


async def test_an_unknown_account_is_refused(portfolio: Sessions) -> None:
    with pytest.raises(OpsError, match="^unknown account NOPE$"):
        await statement(portfolio, "NOPE", as_of=TODAY, company_contact=COMPANY)


async def test_a_reversal_is_on_the_statement_and_in_the_collections_on_the_day_it_was_recorded(
    portfolio: Sessions,
) -> None:
    bounced = datetime(2026, 4, 8, 15, 0, tzinfo=UTC)
    march, april = Period(date(2026, 3, 1), date(2026, 3, 31)), Period(date(2026, 4, 1), date(2026, 4, 30))
    async with portfolio() as session:
        march_before, april_before = await collected(session, march), await collected(session, april)
    async with portfolio() as session, session.begin():
        outcome = await reversals.record_reversal(
            session, account_id="A3", payment_reference="P4", reference="RET-P4", reason="nsf", amount_cents=12_000,
            return_code="R01", now=bounced,
        )  # fmt: skip
    assert (outcome.applied, outcome.balance_cents, outcome.clawback_cents) == (True, 29_000, 3_000)  # 25% of 120

    medical = await statement(portfolio, "A3", as_of=TODAY, company_contact=COMPANY)
    assert [(line.day, line.description, line.balance_cents) for line in medical.lines][-1] == (
        date(2026, 4, 8),
        "Payment returned: insufficient funds (ref. P4)",
        29_000,
    )
    async with portfolio() as session:
        by_agency = {c.agency: c for c in await collections(session, april, by=["agency"])}
        in_march = {c.agency: c for c in await collections(session, march, by=["agency"])}
        march_total, april_total = await collected(session, march), await collected(session, april)
        [placement] = await repository.placements_for(session, "A3")
    assert in_march["acme"].amount_cents == 12_000, "March keeps the payment as it was received"
    assert (by_agency["acme"].payments, by_agency["acme"].amount_cents, by_agency["acme"].commission_cents) == (
        -1, -12_000, -3_000,
    )  # fmt: skip
    assert march_total == march_before, "a reversal does not rewrite the month the payment was received in"
    assert april_total == (april_before[0] - 1, april_before[1] - 12_000), "it is taken off the month it happened"
    assert (placement.collected_cents, placement.commission_cents) == (0, 0)
