"""The CSV payment layout: a header row, one row per item, and a last control row `total,<items>,<amount>`.

Read streamed (one row at a time, `csv` over the open file); money through domain.money (never float).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from domain.money import InvalidAmount, format_cents, parse_amount, plain_amount
from ops.payment_files.items import PaymentFileError, PaymentItem
from ops.payment_files.seen import SeenReferences

COLUMNS = ("item_reference", "account_number", "remittance_reference", "amount", "received_on", "payer")
HEADER = ",".join(COLUMNS)
CONTROL = "total"
"""The control row's first cell; no item may have it as its reference."""
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def read_items(path: Path) -> Iterator[PaymentItem]:
    """Every item in file order, each checked as it is read; then the control row against what was read.
    A repeated item reference is refused at its second line."""
    count = total = 0
    control_line = 0
    with path.open("rb") as binary, SeenReferences() as seen:
        reader = csv.reader(text_lines(binary), strict=True)
        rows = _rows(reader)
        header_line, header = next(rows, (1, []))
        if [cell.strip() for cell in header] != list(COLUMNS):
            raise PaymentFileError(header_line, f"the header row must be exactly {HEADER}")
        for line, cells in rows:
            if control_line:
                raise PaymentFileError(line, f"a row after the control row (line {control_line})")
            if cells[0] == CONTROL:
                control_line = line
                _check_control(line, cells, count, total)
                continue
            item = _item(line, cells)
            if (first := seen.first_line(item.item_reference, line)) is not None:
                repeated = f"item_reference {item.item_reference!r} is repeated (first on line {first})"
                raise PaymentFileError(line, repeated)
            count += 1
            total += item.amount_cents
            yield item
        if not control_line:
            raise PaymentFileError(
                max(reader.line_num, 1), f"the file ends without its control row {CONTROL},<items>,<amount>"
            )


def text_lines(binary: BinaryIO) -> Iterator[str]:
    """The file's lines as text, decoded one at a time (so a bad byte is named with its line); no BOM."""
    for number, raw in enumerate(binary, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise PaymentFileError(number, "not UTF-8 text") from None


def _rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, its cells stripped) from a `csv.reader`; blank rows (and rows of empty cells)
    skipped."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise PaymentFileError(start, f"not CSV: {err}") from None
        cells = [cell.strip() for cell in row]
        if any(cells):
            yield start, cells


def _item(line: int, cells: list[str]) -> PaymentItem:
    if len(cells) != len(COLUMNS):
        raise PaymentFileError(line, f"expected {len(COLUMNS)} cells ({HEADER}), got {len(cells)}")
    reference, account_number, remittance, amount, received_on, payer = cells
    if not reference:
        raise PaymentFileError(line, "item_reference is empty")
    return PaymentItem(
        line=line,
        item_reference=reference,
        account_number=account_number,
        remittance_reference=remittance,
        amount_cents=_amount(line, amount, "amount"),
        received_on=_day(line, received_on),
        payer=payer,
    )


def _amount(line: int, text: str, what: str, *, allow_zero: bool = False) -> int:
    try:
        cents = parse_amount(text.removeprefix("-"), allow_zero=True)
    except InvalidAmount:
        raise PaymentFileError(line, f"{what} {text!r} is not money") from None
    if text.startswith("-") and cents:
        raise PaymentFileError(line, f"{what} {text!r} is negative")
    if not cents and not allow_zero:
        raise PaymentFileError(line, f"{what} {text!r} is not more than zero")
    return cents


def _day(line: int, text: str) -> date:
    try:
        if _ISO_DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise PaymentFileError(line, f"received_on {text!r} is not a date (YYYY-MM-DD)")


def _check_control(line: int, cells: list[str], count: int, total: int) -> None:
    while len(cells) > 3 and not cells[-1]:
        cells = cells[:-1]  # a spreadsheet saves the control row as wide as the items' rows
    if len(cells) != 3:
        raise PaymentFileError(line, f"the control row is {CONTROL},<items>,<amount>: 3 cells, got {len(cells)}")
    if not cells[1].isascii() or not cells[1].isdigit():
        raise PaymentFileError(line, f"the control row's item count {cells[1]!r} is not a whole number")
    control_count = int(cells[1])
    control_total = _amount(line, cells[2], "the control row's total", allow_zero=True)
    if (control_count, control_total) != (count, total):
        raise PaymentFileError(line, control_mismatch(control_total, control_count, total, count))


def control_mismatch(control_total: int, control_count: int, total: int, count: int, *, what: str = "items") -> str:
    """ "control total $1,250.00 for 3 items, the items sum to $1,200.00" (and their number when it differs)."""
    said = f"control total {format_cents(control_total)} for {control_count} {what}"
    if control_count == count:
        return f"{said}, the {what} sum to {format_cents(total)}"
    return f"{said}, the file has {count} {what} summing to {format_cents(total)}"


def write_items(path: Path, items: Iterable[PaymentItem]) -> None:
    """A valid file of the layout, written as the items come (flat memory); the control row last.

    Cells are written as given (no formula neutralising): this is a bank's file for tests and benchmarks,
    read back by `read_items`, not a file the engine hands to people."""
    count = total = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for item in items:
            if not item.item_reference.strip() or item.item_reference.strip() == CONTROL or item.amount_cents <= 0:
                raise ValueError(f"no CSV item can have reference {item.item_reference!r}, {item.amount_cents} cents")
            writer.writerow(
                [
                    item.item_reference,
                    item.account_number,
                    item.remittance_reference,
                    plain_amount(item.amount_cents),
                    item.received_on.isoformat(),
                    item.payer,
                ]
            )
            count += 1
            total += item.amount_cents
        writer.writerow([CONTROL, count, plain_amount(total)])
