"""Bounds on typed-in money and dates (domain.bounds, domain.money), and which store failures retrying cannot fix."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from asyncpg import exceptions as asyncpg_errors
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from domain import bounds
from domain.money import InvalidAmount, parse_amount
from service.config import ConfigError, load_settings
from store.failures import store_refused, store_unavailable

TODAY = date(2026, 12, 7)
MAX = 100_000_000
VALID_AMOUNTS = st.from_regex(r"\$?([1-9][0-9]{0,2}(,[0-9]{3}){0,3}|[1-9][0-9]{0,9})(\.[0-9]{1,2})?", fullmatch=True)
FOREIGN_DIGITS = st.characters(categories=["Nd"]).filter(lambda c: not c.isascii())


@pytest.mark.parametrize("typed", ["١٠", "１٠", "１０", "1٠.00", "$１,000.00", "10.０5", "٣"])
def test_unicode_digits_are_not_an_amount(typed: str) -> None:
    with pytest.raises(InvalidAmount, match="malformed amount") as refused:
        parse_amount(typed)
    assert len(str(refused.value).splitlines()) == 1


@given(VALID_AMOUNTS, st.data())
def test_any_non_ascii_digit_in_an_amount_is_refused(amount: str, data: st.DataObject) -> None:
    parse_amount(amount)  # ASCII: taken
    at = data.draw(st.sampled_from([i for i, c in enumerate(amount) if c.isdigit()]))
    foreign = amount[:at] + data.draw(FOREIGN_DIGITS) + amount[at + 1 :]
    with pytest.raises(InvalidAmount, match="malformed amount"):
        parse_amount(foreign)


def test_an_amount_over_the_maximum_is_refused_and_the_maximum_itself_is_not() -> None:
    assert bounds.amount_problem(MAX, MAX) is None
    assert bounds.amount_problem(MAX + 1, MAX) == (
        "$1,000,000.01 is over the maximum for a payment, $1,000,000.00 (MAX_PAYMENT_AMOUNT)"
    )
    assert "$92,233,720,368,547,758.08" in (bounds.amount_problem(2**63, MAX) or "")


def test_the_maximum_is_a_setting_with_a_sane_default() -> None:
    assert load_settings().max_payment_cents == MAX
    assert load_settings(max_payment_amount="250.00").max_payment_cents == 25_000
    for bad, says in (("１０", "malformed amount"), ("0", "greater than zero"), ("92233720368547758.07", "at most")):
        with pytest.raises(ConfigError, match=f"invalid MAX_PAYMENT_AMOUNT: .*{says}"):
            load_settings(max_payment_amount=bad)


def test_other_dates_are_from_1900_and_at_most_ten_years_ahead() -> None:
    assert bounds.day_problem(date(1900, 1, 1), "filed_on", today=TODAY) is None
    assert bounds.day_problem(date(1899, 12, 31), "filed_on", today=TODAY) == "filed_on 1899-12-31 is before 1900-01-01"
    ahead = TODAY + bounds.FURTHEST_AHEAD
    assert bounds.day_problem(ahead, "the claims deadline", today=TODAY, future=True) is None
    assert bounds.day_problem(ahead + timedelta(days=1), "the claims deadline", today=TODAY, future=True) == (
        f"the claims deadline {(ahead + timedelta(days=1)).isoformat()} is too far in the future"
    )


async def _sqlite_failure(statement: str, **params: object) -> Exception:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (a INTEGER, b INTEGER CHECK (b > 0), c INTEGER UNIQUE)"))
            await connection.execute(text("INSERT INTO t VALUES (9223372036854775807, 1, 1)"))
            await connection.execute(text(statement), params)
    except Exception as err:
        return err
    finally:
        await engine.dispose()
    raise AssertionError(f"{statement} did not fail")


async def test_data_sqlite_cannot_hold_is_refused_not_unavailable() -> None:
    for err in (
        await _sqlite_failure("INSERT INTO t VALUES (:a, 1, 2)", a=2**63),  # OverflowError binding it
        await _sqlite_failure("SELECT sum(a) FROM (SELECT a FROM t UNION ALL SELECT a FROM t)"),  # integer overflow
        await _sqlite_failure("INSERT INTO t VALUES (1, -1, 3)"),  # CHECK constraint failed
    ):
        assert store_refused(err) and not store_unavailable(err), repr(err)


async def test_a_unique_key_race_and_a_locked_store_stay_retryable() -> None:
    race = await _sqlite_failure("INSERT INTO t VALUES (1, 1, 1)")
    assert not store_refused(race), "the retry finds the winner's row"
    locked = sqlite3.OperationalError("database is locked")
    assert store_unavailable(locked) and not store_refused(locked)


def test_postgresql_data_and_constraint_errors_are_refused_but_a_unique_race_is_not() -> None:
    for refused in (
        asyncpg_errors.NumericValueOutOfRangeError("bigint out of range"),
        asyncpg_errors.StringDataRightTruncationError("value too long for type character varying(128)"),
        asyncpg_errors.CheckViolationError('new row violates check constraint "amount_positive"'),
        asyncpg_errors.NotNullViolationError("null value in column"),
    ):
        assert store_refused(refused) and not store_unavailable(refused), refused
    race = asyncpg_errors.UniqueViolationError("duplicate key value violates unique constraint")
    assert not store_refused(race) and not store_unavailable(race)
