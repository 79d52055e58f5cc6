"""Payment files for tests and the posting benchmark: valid files of either format, written as the items come."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

from ops.payment_files import bai2_lockbox, csv_layout
from ops.payment_files.items import PaymentItem

FORMATS = ("csv", "bai2")


def write_sample_file(path: Path, items: Iterable[PaymentItem], fmt: str) -> None:
    """Write `items` as a valid `fmt` ("csv" or "bai2") file at `path`, control totals included, streaming:
    the items may be a generator of any length. BAI2 carries one customer reference: the account number, or
    the remittance reference where there is none. The items' `line` is ignored (the file decides it)."""
    if fmt == "csv":
        csv_layout.write_items(path, items)
    elif fmt == "bai2":
        bai2_lockbox.write_items(path, items)
    else:
        raise ValueError(f"unknown payment file format {fmt!r}: {' or '.join(FORMATS)}")


def sample_items(count: int, *, first_day: date = date(2026, 3, 2), days: int = 1) -> Iterator[PaymentItem]:
    """`count` plausible items (generated one at a time), account numbers ACC-000001.., spread over `days`."""
    for number in range(1, count + 1):
        yield PaymentItem(
            line=0,
            item_reference=f"LB{number:09d}",
            account_number=f"ACC-{(number - 1) % 5000 + 1:06d}",
            remittance_reference="",
            amount_cents=1000 + (number * 7919) % 50000,
            received_on=first_day + timedelta(days=(number - 1) * days // max(count, 1)),
            payer=f"PAYER {number}",
        )
