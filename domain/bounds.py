"""Bounds on typed-in money and dates: one rule each, used by domain.validation (pure)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.money import format_cents

DEFAULT_MAX_AMOUNT = "1,000,000.00"
"""MAX_PAYMENT_AMOUNT's default: the largest payment, promise, disputed or settlement amount."""
CEILING_CENTS = 10**15
"""No configured maximum may exceed $10 trillion: far below what the store's 64-bit sums can hold."""
EARLIEST_DAY = date(1900, 1, 1)
FURTHEST_AHEAD = timedelta(days=10 * 366)
"""A date typed in for the future (a promise, an installment) is at most about ten years ahead."""


def amount_problem(cents: int, maximum_cents: int, what: str = "a payment") -> str | None:
    """Why an amount typed in cannot be taken, or None: at most the configured maximum (MAX_PAYMENT_AMOUNT)."""
    if cents > maximum_cents:
        return (
            f"{format_cents(cents)} is over the maximum for {what}, {format_cents(maximum_cents)} (MAX_PAYMENT_AMOUNT)"
        )
    return None


def day_problem(day: date, what: str, *, today: date, future: bool = False) -> str | None:
    """Why a date typed in is not believable, or None: from 1900 on, and not after today (or, where the
    date is one to come, not more than about ten years ahead)."""
    if day < EARLIEST_DAY:
        return f"{what} {day.isoformat()} is before {EARLIEST_DAY.isoformat()}"
    if future and day > today + FURTHEST_AHEAD:
        return f"{what} {day.isoformat()} is too far in the future"
    if not future and day > today:
        return f"{what} {day.isoformat()} is in the future"
    return None


def month_of(day: date) -> str:
    """'2026-03': how a closed month is named (the month-end pack's --month)."""
    return f"{day.year:04d}-{day.month:02d}"
