"""Aging and KPIs on the fixed portfolio (tests/reports/portfolio.py) equal the figures worked out by hand."""

from __future__ import annotations

from datetime import date

from ops import reports
from store import report_book
from store.reports import Period
from tests.reports.portfolio import TODAY, Sessions

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
ZERO = {"accounts": 0, "balance_cents": 0}


def cell(accounts: int, cents: int) -> dict[str, int]:
    return {"accounts": accounts, "balance_cents": cents}


async def test_aging_at_the_end_of_march_is_the_book_rebuilt_as_it_stood(portfolio: Sessions) -> None:
    aging = await reports.aging(portfolio, as_of=date(2026, 3, 31), today=TODAY)

    # Open at the end of 03-31 (balances today plus what came off after 03-31):
    #   A1 card: 425.00 now + P2 425.00 (received 04-05) = 850.00; due 02-15: 44 days -> 31-60
    #   A3 medical: 170.00 now (P4 and the adjustment both in March); due 2025-12-01: 120 days -> 91-120
    #   A5 card: 350.00 now (P6 03-28); due 03-20: 11 days -> 1-30
    #   not open: A2 paid 03-12, A4 discharged 03-28, A6 settled 03-22, A7 paid 02-20; A8 loaded 04-01
    assert aging["portfolio"] == {
        "current": ZERO, "1-30": cell(1, 35_000), "31-60": cell(1, 85_000), "61-90": ZERO,
        "91-120": cell(1, 17_000), "121-180": ZERO, "180+": ZERO,
        "total": cell(3, 137_000),  # 350.00 + 850.00 + 170.00 = 1,370.00
    }  # fmt: skip
    northwind, contoso = aging["by_creditor"]["Northwind Bank"], aging["by_creditor"]["Contoso Health"]
    assert list(aging["by_creditor"]) == ["Contoso Health", "Northwind Bank"], "a medical creditor: no service"
    assert (northwind["1-30"], northwind["31-60"], northwind["total"]) == (
        cell(1, 35_000),
        cell(1, 85_000),
        cell(2, 120_000),
    )
    assert (contoso["91-120"], contoso["total"]) == (cell(1, 17_000), cell(1, 17_000))
    assert aging["by_segment"]["card"]["total"] == cell(2, 120_000)  # A1 + A5
    assert aging["by_segment"]["medical"]["total"] == cell(1, 17_000)  # A3
    assert set(aging["by_segment"]) == {"card", "medical"}, "auto: A4 and A6 are closed"


async def test_aging_today_is_the_book_as_it_stands(portfolio: Sessions) -> None:
    aging = await reports.aging(portfolio, as_of=TODAY, today=TODAY)

    # 04-10: A8 100.00 due 04-30 (current); A5 350.00, 21 days; A1 1,000.00 - 150.00 - 425.00 = 425.00,
    # 54 days; A3 300.00 - 120.00 - 10.00 = 170.00, 130 days. A7 owes -10.00 (overpaid): not open.
    assert aging["portfolio"] == {
        "current": cell(1, 10_000), "1-30": cell(1, 35_000), "31-60": cell(1, 42_500), "61-90": ZERO,
        "91-120": ZERO, "121-180": cell(1, 17_000), "180+": ZERO,
        "total": cell(4, 104_500),  # 100.00 + 350.00 + 425.00 + 170.00
    }  # fmt: skip
    async with portfolio() as session:  # the rebuilt book of today is the same book
        rebuilt = await report_book.aging_buckets(session, as_of=TODAY, accounts=report_book.open_accounts_as_of(TODAY))
        as_it_stands = await report_book.aging_buckets(session, as_of=TODAY)
    assert rebuilt == as_it_stands


async def test_the_kpis_of_march(portfolio: Sessions) -> None:
    k = await reports.kpis(portfolio, MARCH, today=TODAY)

    # Open at the end of 02-28: A1 1,000.00 (13 days, 1-30), A2 500.00 (49, 31-60), A3 300.00 (89, 61-90;
    # on hold then), A4 800.00 (211, 180+), A5 400.00 (due 03-20: current) = 3,000.00 in 5 accounts.
    assert k["open_at_start"] == cell(5, 300_000)
    assert k["open_at_end"] == cell(3, 137_000)  # as the aging of 03-31
    assert k["loaded"] == cell(1, 60_000)  # A6 on 03-15 (A8 came 04-01)
    # P1 150.00 + P3 500.00 + P4 120.00 + P5 300.00 + P6 50.00 (not P0 in February, not P2 in April)
    assert k["collected"] == {"payments": 5, "amount_cents": 112_000}
    assert k["days"] == 31
    assert k["dso_days"] == 37.9  # 1,370.00 / (1,120.00 / 31 days) = 37.92
    assert k["roll_rates"] == [
        {"from": "current", "to": "1-30", "accounts": 1, "rolled": 1, "rate": 1.0},  # A5 -> 1-30
        {"from": "1-30", "to": "31-60", "accounts": 1, "rolled": 1, "rate": 1.0},  # A1 -> 31-60
        {"from": "31-60", "to": "61-90", "accounts": 1, "rolled": 0, "rate": 0.0},  # A2 paid
        {"from": "61-90", "to": "91-120", "accounts": 1, "rolled": 1, "rate": 1.0},  # A3 -> 91-120
        {"from": "91-120", "to": "121-180", "accounts": 0, "rolled": 0, "rate": None},
        {"from": "121-180", "to": "180+", "accounts": 0, "rolled": 0, "rate": None},
    ]
    assert {"from": "180+", "to": None, "accounts": 1} in k["roll_matrix"]  # A4 discharged
    # A2 paid 03-12 and A6 settled 03-22, of 5 open at the start + 1 loaded: 2 / 6
    assert k["cure"] == {"cured": 2, "open_in_period": 6, "rate": 0.3333}
    # judged in March: A2's kept 03-12, A1's broken 03-15 (A3's was broken 02-27): 1 / (1 + 1)
    assert k["promise_kept"] == {"kept": 1, "broken": 1, "rate": 0.5}
    # went out in March: A1, A2, A3 (unconfirmed email), A4, A6 (A5's text was blocked) = 5;
    # conversations reported in March: A1 right party 03-05, A6 promise to pay 03-16 (A4's refusal was 02-10): 2 / 5
    assert k["right_party_contact"] == {"reached": 2, "attempted": 5, "rate": 0.4}
    # 1,120.00 / (3,000.00 open at the start + 600.00 loaded) = 0.3111
    assert k["liquidation"] == {"collected_cents": 112_000, "base_cents": 360_000, "rate": 0.3111}
    assert k["collected_by_channel"] == {
        "call": {"payments": 2, "amount_cents": 45_000},  # P1 after A1's call 03-05 (its email 03-20 came later); P5
        "email": {"payments": 1, "amount_cents": 12_000},  # P4 after A3's unconfirmed email 03-03
        "none": {"payments": 1, "amount_cents": 5_000},  # P6: A5's only attempt was blocked
        "sms": {"payments": 1, "amount_cents": 50_000},  # P3 the day after A2's text
    }
    assert k["collected_by_agency"] == {
        "acme": {"payments": 1, "amount_cents": 12_000, "commission_cents": 3_000},  # 25% of 120.00
        "in-house": {"payments": 4, "amount_cents": 100_000, "commission_cents": 0},  # 1,120.00 - 120.00
    }
    # opened: A4's bankruptcy 03-04, A5's dispute 03-25; closed: A3's legal hold 03-01, A4's bankruptcy 03-28
    assert k["holds"] == {"opened": {"bankruptcy": 1, "dispute": 1}, "closed": {"bankruptcy": 1, "legal": 1}}


async def test_a_period_with_nothing_in_it_has_no_rates(portfolio: Sessions) -> None:
    k = await reports.kpis(portfolio, Period(date(2025, 6, 1), date(2025, 6, 30)), today=TODAY)
    assert k["open_at_start"] == ZERO and k["collected"] == {"payments": 0, "amount_cents": 0}
    assert k["dso_days"] is None and k["cure"]["rate"] is None and k["liquidation"]["rate"] is None
    assert k["collected_by_channel"] == {} and k["holds"] == {"opened": {}, "closed": {}}
