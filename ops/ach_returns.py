"""NACHA ACH return files: each returned entry (a 6 record and its 99 return addenda) read streamed, every
batch (8) and file (9) control checked: entry/addenda count, entry hash, debit and credit totals.

Written here rather than with a PyPI package: the ones there (`ach` 0.2 of 2014, `nacha` 0.1.1 of 2014)
are unmaintained, read the whole file into memory, and neither reads return addenda's reason codes.

Layout (94-character records, positions 1-based as NACHA gives them):
  1 file header: 24-29 file creation date (YYMMDD)
  5 batch header: 70-75 effective entry date (YYMMDD): the day the return is dated (`returned_on`)
  6 entry detail: 2-3 transaction code, 4-11 receiving DFI id, 30-39 amount (cents), 40-54 individual
    identification number (our account number), 79 addenda indicator, 80-94 trace number
  7 addenda, type 99 (return): 4-6 return reason code, 7-21 original entry trace number
  8 batch control: 5-10 entry/addenda count, 11-20 entry hash, 21-32 total debits, 33-44 total credits
  9 file control: 2-7 batch count, 8-13 block count, 14-21 entry/addenda count, 22-31 entry hash,
    32-43 total debits, 44-55 total credits; then lines of 94 nines fill the last block of ten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from domain.ach_return_codes import RETURN_CODES, ReturnCode
from domain.money import format_cents
from ops.payment_files.csv_layout import text_lines
from ops.payment_files.items import PaymentFileError
from ops.payment_files.seen import SeenReferences

__all__ = ["RETURN_CODES", "AchReturn", "AchTotals", "PaymentFileError", "ReturnCode", "ach_returns"]

RECORD = 94
_HASH_MODULUS = 10**10
_FILLER = "9" * RECORD


@dataclass(frozen=True)
class AchReturn:
    line: int
    """1-based line of the return's entry detail (6) record."""
    trace_number: str
    """The return entry's own trace number: the reversal's idempotency key."""
    original_trace: str
    """The trace number of the payment (debit) entry returned."""
    return_code: str
    """R01..R85: see RETURN_CODES."""
    amount_cents: int
    individual_id: str
    """The individual identification number: our account number."""
    returned_on: date


@dataclass(frozen=True)
class AchTotals:
    returns: int
    total_cents: int


def check_returns_file(path: Path) -> AchTotals:
    """Pass 1: the whole file read (streamed) and checked, or PaymentFileError naming the line."""
    count = total = 0
    for returned in ach_returns(path):
        count += 1
        total += returned.amount_cents
    return AchTotals(returns=count, total_cents=total)


@dataclass
class _Controls:
    """What a batch or the file holds, to hold against its control record."""

    records: int = 0
    entry_hash: int = 0
    debits: int = 0
    credits: int = 0
    batches: int = 0

    def add(self, other: _Controls) -> None:
        self.records += other.records
        self.entry_hash += other.entry_hash
        self.debits += other.debits
        self.credits += other.credits
        self.batches += 1


def ach_returns(path: Path) -> Iterator[AchReturn]:
    """Pass 2: every return in file order, checked as it is read; each control as it comes."""
    previous = ""
    physical = 0
    file_day: date | None = None
    batch_day: date | None = None
    batch_number = ""
    batch, whole = _Controls(), _Controls()
    blocks = 0
    entry: tuple[int, str, int, str] | None = None  # line, trace, cents, individual id, until its addenda
    line = 0
    with path.open("rb") as binary, SeenReferences() as seen:
        for line, raw in enumerate(text_lines(binary), 1):
            record = raw.rstrip("\r\n")
            if not record.strip():
                continue
            physical += 1
            if len(record) != RECORD:
                raise PaymentFileError(line, f"a NACHA record is {RECORD} characters, this one is {len(record)}")
            kind = record[0]
            if previous == "9":
                if record != _FILLER:
                    raise PaymentFileError(line, "only filler records (all 9s) may follow the file control (9)")
                continue
            if previous == "6" and kind != "7":
                raise PaymentFileError(line, "an entry (6) must be followed by its return addenda (7)")
            if kind not in _AFTER or previous not in _AFTER[kind]:
                where = f"after a {previous} record" if previous else "first"
                raise PaymentFileError(line, f"a record of type {kind!r} cannot come {where}")
            previous = kind
            if kind == "1":
                file_day = _day(line, record[23:29], "file creation date")
            elif kind == "5":
                batch = _Controls()
                batch_number = record[87:94]
                batch_day = _day(line, record[69:75], "effective entry date", default=file_day)
            elif kind == "6":
                entry = _entry(line, record, batch)
            elif kind == "7":
                assert entry is not None and batch_day is not None
                returned = _addenda(line, record, entry, batch_day)
                batch.records += 1
                if (first := seen.first_line(returned.trace_number, returned.line)) is not None:
                    trace = returned.trace_number
                    raise PaymentFileError(returned.line, f"trace number {trace} is repeated (first on line {first})")
                entry = None
                yield returned
            elif kind == "8":
                if record[87:94] != batch_number:
                    raise PaymentFileError(line, f"batch control {record[87:94]} closes batch {batch_number}")
                _check(line, "batch", batch, count=record[4:10], entry_hash=record[10:20], totals=record[20:44])
                whole.add(batch)
            elif kind == "9":
                _check(line, "file", whole, count=record[13:21], entry_hash=record[21:31], totals=record[31:55])
                if (said := _number(line, record[1:7], "batch count")) != whole.batches:
                    counted = f"the file control counts {said} batches, the file has {whole.batches}"
                    raise PaymentFileError(line, counted)
                blocks = _number(line, record[7:13], "block count")
    if not previous:
        raise PaymentFileError(1, "the file is empty")
    if previous != "9":
        raise PaymentFileError(line, "the file ends before its file control (9)")
    if blocks * 10 != physical or physical % 10:
        blocks_said = f"the file control counts {blocks} blocks of 10 records, the file has {physical} records"
        raise PaymentFileError(line, blocks_said)


_AFTER = {"1": {""}, "5": {"1", "8"}, "6": {"5", "7"}, "7": {"6"}, "8": {"5", "7"}, "9": {"1", "8"}}
"""The nesting 1 (5 (6 7)* 8)* 9: a day with no return is a header and a control."""


def _number(line: int, text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise PaymentFileError(line, f"{what} {text!r} is not a number")
    return int(text)


def _day(line: int, text: str, what: str, *, default: date | None = None) -> date:
    if not text.strip() and default is not None:
        return default
    try:
        if text.isdigit():
            return datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        pass
    raise PaymentFileError(line, f"{what} {text!r} is not a date (YYMMDD)")


def _entry(line: int, record: str, batch: _Controls) -> tuple[int, str, int, str]:
    code = _number(line, record[1:3], "transaction code")
    if code % 10 not in (1, 6):
        raise PaymentFileError(line, f"transaction code {code:02d} is not a return (21, 26, 31, 36, 41, 46, 51, 56)")
    if code % 10 == 1:
        raise PaymentFileError(line, f"transaction code {code:02d} returns a credit: only returned payments (debits)")
    if record[78] != "1":
        raise PaymentFileError(line, "a return entry must have its addenda (addenda indicator 1)")
    cents = _number(line, record[29:39], "amount")
    if cents <= 0:
        raise PaymentFileError(line, "amount 0 is not more than zero")
    batch.records += 1
    batch.entry_hash += _number(line, record[3:11], "receiving DFI identification")
    batch.debits += cents
    trace = record[79:94]
    _number(line, trace, "trace number")
    return line, trace, cents, record[39:54].strip()


def _addenda(line: int, record: str, entry: tuple[int, str, int, str], returned_on: date) -> AchReturn:
    if record[1:3] != "99":
        raise PaymentFileError(line, f"addenda type {record[1:3]!r} is not a return (99)")
    code = record[3:6]
    if code not in RETURN_CODES:
        raise PaymentFileError(line, f"return reason code {code!r} is not one of NACHA's R01..R85")
    original = record[6:21]
    _number(line, original, "original entry trace number")
    if record[79:94] != entry[1]:
        raise PaymentFileError(line, f"the addenda's trace number {record[79:94]} is not its entry's {entry[1]}")
    entry_line, trace, cents, individual_id = entry
    return AchReturn(entry_line, trace, original, code, cents, individual_id, returned_on)


def _check(line: int, what: str, held: _Controls, *, count: str, entry_hash: str, totals: str) -> None:
    said_count = _number(line, count, "entry/addenda count")
    said_hash = _number(line, entry_hash, "entry hash")
    said_debits = _number(line, totals[:12], "total debit amount")
    said_credits = _number(line, totals[12:24], "total credit amount")
    if said_count != held.records:
        said = f"the {what} control counts {said_count} entries and addenda, the {what} has {held.records}"
        raise PaymentFileError(line, said)
    if said_hash != (entries_hash := held.entry_hash % _HASH_MODULUS):
        raise PaymentFileError(line, f"the {what} control's entry hash {said_hash} is not the entries' {entries_hash}")
    if (said_debits, said_credits) != (held.debits, held.credits):
        raise PaymentFileError(
            line,
            f"the {what} control totals {format_cents(said_debits)} debits and {format_cents(said_credits)} credits,"
            f" the entries {format_cents(held.debits)} and {format_cents(held.credits)}",
        )


def write_returns_file(path: Path, returns: Iterable[AchReturn], *, created_on: date = date(2026, 3, 2)) -> None:
    """A valid returns file for tests, written as the returns come: one batch per run of returns dated the same
    day, each entry a returned checking debit (transaction code 26) with its 99 addenda."""
    records = batches = 0
    whole = _Controls()
    batch = _Controls()
    open_day: date | None = None
    routing = "09100001"

    with path.open("w", encoding="ascii", newline="\n") as out:

        def put(record: str) -> None:
            nonlocal records
            assert len(record) == RECORD, (len(record), record)
            out.write(record + "\n")
            records += 1

        def close_batch() -> None:
            nonlocal batches
            put(
                f"8225{batch.records:06d}{batch.entry_hash % _HASH_MODULUS:010d}{batch.debits:012d}{0:012d}"
                f"{'1234567890':10}{'':19}{'':6}{routing}{batches:07d}"
            )
            whole.add(batch)

        put(f"101 {routing}1{'987654321':>10}{created_on:%y%m%d}0800A094101{'BANK':23}{'COLLECTIONS':23}{'':8}")
        for returned in returns:
            if returned.returned_on != open_day:
                if open_day is not None:
                    close_batch()
                open_day = returned.returned_on
                batch = _Controls()
                batches += 1
                put(
                    f"5225{'COLLECTIONS':16}{'':20}{'1234567890':10}PPD{'RETURNS':10}{'':6}{open_day:%y%m%d}"
                    f"{'':3}1{routing}{batches:07d}"
                )
            batch.records += 2
            batch.entry_hash += int(routing)
            batch.debits += returned.amount_cents
            put(
                f"626{routing}1{'12345678':17}{returned.amount_cents:010d}{returned.individual_id:15.15}"
                f"{'DEBTOR':22}  1{returned.trace_number:15}"
            )
            put(
                f"799{returned.return_code}{returned.original_trace:15}{'':6}{routing}{'':44}{returned.trace_number:15}"
            )
        if open_day is not None:
            close_batch()
        blocks = (records + 1 + 9) // 10
        put(
            f"9{whole.batches:06d}{blocks:06d}{whole.records:08d}{whole.entry_hash % _HASH_MODULUS:010d}"
            f"{whole.debits:012d}{whole.credits:012d}{'':39}"
        )
        while records % 10:
            put(_FILLER)
