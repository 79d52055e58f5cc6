"""Payment files a bank sends (the documented CSV layout, BAI2 lockbox): read streamed, pure (no store).

Two passes: `check_file` reads the whole file and refuses it (PaymentFileError, one line naming the file's
line) if anything in it is malformed or its control totals disagree with its items; `payment_items` then
yields the same items one at a time, checked again as they are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ops.payment_files import bai2_lockbox, csv_layout
from ops.payment_files.items import FileTotals, PaymentFileError, PaymentItem
from ops.payment_files.samples import write_sample_file

__all__ = [
    "FileTotals",
    "PaymentFileError",
    "PaymentItem",
    "check_file",
    "file_format",
    "payment_items",
    "write_sample_file",
]

_FIRST_LINE_LIMIT = 64 * 1024


def file_format(path: Path) -> str:
    """ "csv" or "bai2", from the file's first record (not its name)."""
    with path.open("rb") as binary:
        number = 0
        for number, raw in enumerate(iter(lambda: binary.readline(_FIRST_LINE_LIMIT), b""), 1):
            text = raw.removeprefix(b"\xef\xbb\xbf").strip() if number == 1 else raw.strip()
            if not text:
                continue
            if text.startswith(b"01,"):
                return "bai2"
            if text.replace(b'"', b"").replace(b" ", b"").startswith(csv_layout.HEADER.encode()):
                return "csv"
            break
    if number == 0:
        raise PaymentFileError(1, "the file is empty")
    raise PaymentFileError(
        number, f"not a payment file: neither the CSV header {csv_layout.HEADER} nor a BAI2 file header (01)"
    )


def payment_items(path: Path) -> Iterator[PaymentItem]:
    """Pass 2: the items `check_file` counted, in file order, one at a time."""
    reader = bai2_lockbox.read_items if file_format(path) == "bai2" else csv_layout.read_items
    yield from reader(path)


def check_file(path: Path) -> FileTotals:
    """Pass 1: the whole file read (streamed) and checked; its number of items and their sum."""
    fmt = file_format(path)
    items = total = 0
    for item in payment_items(path):
        items += 1
        total += item.amount_cents
    return FileTotals(format=fmt, items=items, total_cents=total)
