"""Synthetic portfolios for demos, tests and benchmarks (fake people, reproducible by seed)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from domain.intake import ACCOUNT_COLUMNS, CONSENT_COLUMNS
from ops.csv_files import csv_text

_FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kira", "Luis"]
_LAST = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan"]
Place = tuple[str, str, str, str, str]
"""City, state, ZIP code, the address's zone ('' for none recorded) and the phones' area code."""

PLACES: list[Place] = [
    ("New York", "NY", "10001", "America/New_York", "212"),
    ("Chicago", "IL", "60601", "America/Chicago", "312"),
    ("Denver", "CO", "80202", "America/Denver", "303"),
    ("Phoenix", "AZ", "85004", "America/Phoenix", "602"),
    ("Seattle", "WA", "98101", "America/Los_Angeles", "206"),
    ("Miami", "FL", "33130", "", "305"),
]
"""Where the simulator's and the benchmarks' debtors live."""

FAR_PLACES: list[Place] = [
    ("Honolulu", "HI", "96813", "Pacific/Honolulu", "808"),
    ("Anchorage", "AK", "99501", "America/Anchorage", "907"),
    ("San Juan", "PR", "00901", "America/Puerto_Rico", "787"),
    ("Charlotte Amalie", "VI", "00802", "America/St_Thomas", "340"),
    ("Hagatna", "GU", "96910", "Pacific/Guam", "671"),
    ("Saipan", "MP", "96950", "Pacific/Saipan", "670"),
    ("Pago Pago", "AS", "96799", "Pacific/Pago_Pago", "684"),
]
"""States and territories of other time zones: the demo picks among all of them where it is daytime."""
_CREDITORS = [("Northwind Bank", "card"), ("Contoso Health", "medical"), ("Fabrikam Auto", "auto")]


def synthetic_portfolio_csv(
    accounts: int, *, seed: int, as_of: date, prefix: str = "A", places: Sequence[Place] = PLACES
) -> str:
    """A CSV in the `load` format; due dates fall 5-200 days before `as_of`; debtors live in `places`."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for number in range(1, accounts + 1):
        city, state, postal, zone, area = rng.choice(places)
        creditor, segment = rng.choice(_CREDITORS)
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        rows.append([
            f"{prefix}{number:06d}", name, f"({area}) 555-01{rng.randrange(100):02d}",
            f"{name.split()[0].lower()}{number}@example.com", f"{rng.randrange(1, 999)} Main St",
            city, state, postal, zone, f"{rng.randrange(2500, 500000) / 100:.2f}",
            (as_of - timedelta(days=rng.randrange(5, 200))).isoformat(), creditor,
            "true" if segment == "medical" else "false", segment,
            "true" if rng.random() < 0.5 else "false", "false",
        ])  # fmt: skip
    return csv_text([*ACCOUNT_COLUMNS, *CONSENT_COLUMNS], rows, lineterminator="\n")
