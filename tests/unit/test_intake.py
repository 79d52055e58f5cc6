from __future__ import annotations

from datetime import date

import pytest

from domain.intake import ACCOUNT_COLUMNS, IntakeError, normalize_phone, parse_accounts_csv

HEADER = ",".join(ACCOUNT_COLUMNS)
GOOD = (
    "A1,Pat Doe,(212) 555-0100,pat@example.com,1 Main St,New York,NY,10001,"
    "America/New_York,1234.56,2026-03-01,Northwind,false,card"
)


def test_a_valid_row_becomes_an_account_with_cents_and_e164_phone() -> None:
    [account] = parse_accounts_csv(f"{HEADER}\n{GOOD}\n")
    assert account.balance_cents == 123456 and account.phone == "+12125550100"
    assert account.due_date == date(2026, 3, 1) and account.timezone == "America/New_York"


def test_every_bad_row_is_reported_by_line_and_nothing_is_returned() -> None:
    rows = [
        GOOD,
        GOOD.replace("A1,", "A2,").replace("1234.56", "-3.00"),
        GOOD.replace("A1,", "A3,").replace("America/New_York", "Mars/Olympus"),
        GOOD.replace("A1,", "A4,").replace("2026-03-01", "03/01/2026"),
        GOOD,
    ]
    with pytest.raises(IntakeError) as caught:
        parse_accounts_csv("\n".join([HEADER, *rows]) + "\n")
    messages = [str(e) for e in caught.value.errors]
    assert messages[0].startswith("line 3: balance") and "line 4: unknown timezone" in messages[1]
    assert messages[2].startswith("line 5: due_date") and messages[3] == "line 6: account A1 repeats line 2"


def test_a_file_missing_columns_is_refused_as_a_whole() -> None:
    with pytest.raises(IntakeError, match="missing column"):
        parse_accounts_csv("account_id,balance\nA1,10.00\n")


def test_an_empty_timezone_is_allowed_and_means_unknown() -> None:
    [account] = parse_accounts_csv(f"{HEADER}\n{GOOD.replace('America/New_York', '')}\n")
    assert account.timezone is None


@pytest.mark.parametrize("raw", ["555-0100", "+1 112 555 0100", "phone", "+0123"])
def test_impossible_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_phone(raw)
