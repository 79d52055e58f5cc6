"""The accounts file's optional columns for letters: `language` (the Spanish validation notice, 12 CFR
1006.34(e)) and `itemization_date` (1006.34(b)(3)). Bad values reject the file with the line named."""

from __future__ import annotations

from datetime import date

import pytest

from domain.intake import ACCOUNT_COLUMNS, AccountRecord, IntakeError, parse_accounts_csv

ROW = "A1,Pat Doe,,pat@example.com,1 Main St,New York,NY,10001,,100.00,2026-11-01,Northwind,false,card"


def parse(language: str, itemization_date: str) -> list[AccountRecord]:
    header = ",".join([*ACCOUNT_COLUMNS, "language", "itemization_date"])
    return parse_accounts_csv(f"{header}\n{ROW},{language},{itemization_date}\n")


def test_without_the_columns_english_and_the_due_date() -> None:
    [record] = parse_accounts_csv(",".join(ACCOUNT_COLUMNS) + "\n" + ROW + "\n")
    assert (record.language, record.itemization_date) == ("en", None)


def test_1006_34_b_3_and_e_the_columns_are_read() -> None:
    [record] = parse("ES", "2026-06-30")
    assert (record.language, record.itemization_date) == ("es", date(2026, 6, 30))


@pytest.mark.parametrize(
    ("language", "itemized", "message"),
    [
        ("fr", "", "line 2: language must be one of en, es, got 'fr'"),
        ("en", "30/06/2026", "line 2: itemization_date must be an ISO date (YYYY-MM-DD), got '30/06/2026'"),
    ],
)
def test_a_bad_value_rejects_the_file_naming_the_line(language: str, itemized: str, message: str) -> None:
    with pytest.raises(IntakeError) as rejected:
        parse(language, itemized)
    assert [str(error) for error in rejected.value.errors] == [message]
