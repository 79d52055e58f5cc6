"""BAI2 lockbox files: each type-16 payment credit is an item; every trailer's control total is checked.

The `bai2` package parses each record (fields, funds availability, type codes, `88` continuations joined
by its `RecordBuilderFactory`), but its file parser builds the whole file as one tree (`Bai2FileParser`
keeps every group, account and detail in lists before it checks a total) and a lockbox usually reports all
of a day's items under one account, so not even one `03..49` section is bounded. So the walk through the
file is ours: records are read one at a time, fed to the package's single-record parsers, and each
section's running totals and record counts are checked when its trailer (49, 98, 99) comes, as the package
checks them. Memory is flat in the file's size.

What the engine takes from a detail (16) record: the bank reference is the item reference, the customer
reference is the account number the payer wrote (or another remittance reference: it is given as both, and
the posting matches it as an account number first), the text is the payer, the group's as-of date is the
day received.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bai2.constants import FundsType, GroupStatus, RecordCode, TypeCodeLevel, TypeCodeTransaction
from bai2.exceptions import NotSupportedYetException, ParsingException
from bai2.helpers import RecordBuilderFactory
from bai2.parsers import (
    AccountIdentifierParser,
    AccountTrailerParser,
    Bai2FileHeaderParser,
    Bai2FileTrailerParser,
    GroupHeaderParser,
    GroupTrailerParser,
    TransactionDetailParser,
)

from domain.money import format_cents
from ops.payment_files.csv_layout import control_mismatch, text_lines
from ops.payment_files.items import PaymentFileError, PaymentItem
from ops.payment_files.seen import SeenReferences

PAYMENT_CREDIT_CODES = frozenset(
    {
        "115",  # Lockbox Deposit
        "116",  # Item in Lockbox Deposit
        "142",  # ACH Credit Received
        "143",  # Item in ACH Deposit
        "147",  # Individual Bank Card Deposit
        "155",  # Preauthorized Draft Credit
        "156",  # Item in PAC Deposit
        "158",  # Real Time Payment Credit
        "165",  # Preauthorized ACH Credit
        "171",  # Individual Loan Deposit
        "174",  # Other Deposit
        "175",  # Check Deposit Package
        "195",  # Incoming Money Transfer
        "206",  # Book Transfer Credit
        "301",  # Commercial Deposit
        "399",  # Miscellaneous Credit
    }
)
"""The detail credit codes (BAI2 2005 type codes, as the `bai2` package lists them) that are a payer's payment.
Any other detail record (a debit, an interest credit, an adjustment, a bank's own 9xx code) refuses the file."""


class _OneRecord:
    """What the package's parsers read from: the record in hand (`advance` is the walk's own business)."""

    current_record: Any = None

    def advance(self) -> None:
        pass


@dataclass
class _Section:
    """A file (01..99), group (02..98) or account (03..49) being read: where it began and what it holds."""

    line: int
    records: int = 0
    items: int = 0
    item_cents: int = 0
    amount_cents: int = 0
    """What its control total must equal: the amounts of the records inside (as the `bai2` package sums them)."""
    children: int = 0
    name: str = ""
    as_of: date | None = None
    extra: dict[str, str] = field(default_factory=dict)


class _Reader:
    def __init__(self) -> None:
        self.record = _OneRecord()
        self.parsers = {
            parser.model.code: parser(self.record, check_integrity=False)
            for parser in (
                Bai2FileHeaderParser,
                GroupHeaderParser,
                AccountIdentifierParser,
                TransactionDetailParser,
                AccountTrailerParser,
                GroupTrailerParser,
                Bai2FileTrailerParser,
            )
        }

    def parse(self, line: int, record: Any) -> Any:
        """The package's model of one record; any fault in it refused with its line."""
        code = record.code
        fields = record.fields
        if code is RecordCode.transaction_detail:
            fields += [""] * (_detail_fields(line, fields) - len(fields))
        elif code is not RecordCode.account_identifier:
            fields += [""] * (len(self.parsers[code].fields_config) - len(fields))
        self.record.current_record = record
        try:
            return self.parsers[code].parse()
        except NotSupportedYetException as err:
            raise PaymentFileError(line, f"{_NAMES[code]}: {err}") from None
        except (ParsingException, ValueError, IndexError, KeyError, TypeError) as err:
            raise PaymentFileError(line, f"{_NAMES[code]} is malformed: {err or type(err).__name__}") from None


_NAMES = {
    RecordCode.file_header: "the file header (01)",
    RecordCode.group_header: "the group header (02)",
    RecordCode.account_identifier: "the account identifier (03)",
    RecordCode.transaction_detail: "the detail record (16)",
    RecordCode.account_trailer: "the account trailer (49)",
    RecordCode.group_trailer: "the group trailer (98)",
    RecordCode.file_trailer: "the file trailer (99)",
}
_AFTER = {
    RecordCode.file_header: {None},
    RecordCode.group_header: {RecordCode.file_header, RecordCode.group_trailer},
    RecordCode.account_identifier: {RecordCode.group_header, RecordCode.account_trailer},
    RecordCode.transaction_detail: {RecordCode.account_identifier, RecordCode.transaction_detail},
    RecordCode.account_trailer: {RecordCode.account_identifier, RecordCode.transaction_detail},
    RecordCode.group_trailer: {RecordCode.account_trailer},
    RecordCode.file_trailer: {RecordCode.group_trailer},
}
"""Which record may come before each: the BAI2 nesting 01 (02 (03 16* 49)+ 98)+ 99."""


def _detail_fields(line: int, fields: list[str]) -> int:
    """How many fields a 16 record has once its defaulted trailing ones are put back: the package reads the
    bank reference, customer reference and text by position, after the availability its funds type adds."""
    funds = fields[2] if len(fields) > 2 else ""
    extra = {"S": 3, "V": 2}.get(funds, 0)
    if funds == "D":
        count = fields[3] if len(fields) > 3 else ""
        if not count.isdigit():
            raise PaymentFileError(line, f"the detail record (16) has distributed availability count {count!r}")
        extra = 1 + 2 * int(count)
    return 3 + extra + 3


def records(path: Path) -> Iterator[tuple[int, Any]]:
    """(first line, the package's Record) for each logical record, its `88` continuations joined; blank lines
    and the padding of fixed-length records ignored."""
    rows: list[tuple[RecordCode, str]] = []
    first = 0
    with path.open("rb") as binary:
        for number, raw in enumerate(text_lines(binary), 1):
            text = raw.strip()
            if not text:
                continue
            try:
                code = RecordCode(text[:2])
            except ValueError:
                known = "01 02 03 16 49 88 98 99"
                raise PaymentFileError(number, f"{text[:2]!r} is not a BAI2 record type ({known})") from None
            if text[2:3] != ",":
                raise PaymentFileError(number, f"a {code.value} record must go on with a comma after its type")
            if code is RecordCode.continuation:
                if not rows:
                    raise PaymentFileError(number, "a continuation (88) with no record before it")
                rows.append((code, text[3:]))
                continue
            if rows:
                yield first, RecordBuilderFactory[rows[0][0]](rows)
            rows, first = [(code, text[3:])], number
    if rows:
        yield first, RecordBuilderFactory[rows[0][0]](rows)


def read_items(path: Path) -> Iterator[PaymentItem]:
    """Every payment credit in file order, each checked as it is read; each trailer checked against what its
    section held. A repeated bank reference is refused at its second line."""
    reader = _Reader()
    previous: RecordCode | None = None
    file = group = account = _Section(line=0)
    line = 0
    with SeenReferences() as seen:
        for line, record in records(path):
            code = record.code
            if previous not in _AFTER[code]:
                where = f"after {_NAMES[previous]}" if previous else "first"
                raise PaymentFileError(line, f"{_NAMES[code]} cannot come {where}")
            previous = code
            model = reader.parse(line, record)
            size = len(record.rows)
            for section in (file, group, account):
                section.records += size
            if code is RecordCode.file_header:
                if model.version_number != 2:
                    raise PaymentFileError(line, f"BAI version {model.version_number}: only version 2 is read")
                file = _Section(line=line, records=size)
            elif code is RecordCode.group_header:
                group = _Section(line=line, records=size, as_of=model.as_of_date)
                _check_group(line, model)
            elif code is RecordCode.account_identifier:
                account = _Section(line=line, records=size, name=model.customer_account_number or "")
                if (model.currency or "USD") != "USD":
                    raise PaymentFileError(line, f"account {account.name} is in {model.currency}: only USD is posted")
                account.amount_cents = sum(summary.amount or 0 for summary in model.summary_items)
            elif code is RecordCode.transaction_detail:
                item = _item(line, model, group.as_of)
                if (first := seen.first_line(item.item_reference, line)) is not None:
                    repeated = f"bank reference {item.item_reference!r} is repeated (first on line {first})"
                    raise PaymentFileError(line, repeated)
                account.items += 1
                account.item_cents += item.amount_cents
                account.amount_cents += item.amount_cents
                yield item
            elif code is RecordCode.account_trailer:
                _check_account(line, model, account)
                group.children += 1
                group.amount_cents += model.account_control_total
                group.items += account.items
                group.item_cents += account.item_cents
            elif code is RecordCode.group_trailer:
                _check_section(line, "group", group, model.group_control_total, model.number_of_accounts, "accounts")
                _check_records(line, "group", group, model.number_of_records)
                file.children += 1
                file.amount_cents += model.group_control_total
            elif code is RecordCode.file_trailer:
                _check_section(line, "file", file, model.file_control_total, model.number_of_groups, "groups")
                _check_records(line, "file", file, model.number_of_records)
    if previous is None:
        raise PaymentFileError(1, "the file is empty")
    if previous is not RecordCode.file_trailer:
        raise PaymentFileError(line, "the file ends before its file trailer (99)")


def _check_group(line: int, model: Any) -> None:
    if model.group_status is not GroupStatus.update:
        raise PaymentFileError(
            line, f"group status {model.group_status.value} ({model.group_status.name}): only 1 (update) is posted"
        )
    if model.as_of_date is None:
        raise PaymentFileError(line, "the group header (02) has no as-of date")
    if model.currency != "USD":
        raise PaymentFileError(line, f"the group is in {model.currency}: only USD is posted")


def _item(line: int, model: Any, received_on: date | None) -> PaymentItem:
    type_code = model.type_code
    described = f"type code {type_code.code} ({type_code.description})"
    if type_code.level is not TypeCodeLevel.detail:
        raise PaymentFileError(line, f"{described} is not a detail type code")
    if type_code.transaction is TypeCodeTransaction.debit:
        raise PaymentFileError(line, f"{described} is a debit: a payment file carries credits only")
    if type_code.code not in PAYMENT_CREDIT_CODES:
        accepted = " ".join(sorted(PAYMENT_CREDIT_CODES))
        raise PaymentFileError(line, f"{described} is not a payment credit (accepted: {accepted})")
    if model.amount is None or model.amount <= 0:
        raise PaymentFileError(line, f"amount {model.amount or 0} is not more than zero")
    reference = (model.bank_reference or "").strip()
    if not reference:
        raise PaymentFileError(line, "the detail record (16) has no bank reference")
    customer_reference = (model.customer_reference or "").strip()
    assert received_on is not None  # a 16 is only read inside a group, whose header has an as-of date
    return PaymentItem(
        line=line,
        item_reference=reference,
        account_number=customer_reference,
        remittance_reference=customer_reference,
        amount_cents=model.amount,
        received_on=received_on,
        payer=(model.text or "").strip(),
    )


def _check_account(line: int, model: Any, account: _Section) -> None:
    control = model.account_control_total
    if control != account.amount_cents:
        said = f"account {account.name}: " + control_mismatch(control, account.items, account.item_cents, account.items)
        if account.amount_cents != account.item_cents:
            said += f", with its summaries {format_cents(account.amount_cents)}"
        raise PaymentFileError(line, said)
    _check_records(line, f"account {account.name}", account, model.number_of_records)


def _check_section(line: int, what: str, section: _Section, control: int, children: int, kind: str) -> None:
    if control != section.amount_cents:
        raise PaymentFileError(
            line,
            f"{what} control total {format_cents(control)}, its {kind}' control totals sum to "
            f"{format_cents(section.amount_cents)} ({section.items} items, {format_cents(section.item_cents)})",
        )
    if children != section.children:
        raise PaymentFileError(line, f"the {what} trailer counts {children} {kind}, the {what} has {section.children}")


def _check_records(line: int, what: str, section: _Section, control: int | None) -> None:
    if control is not None and control != section.records:
        raise PaymentFileError(line, f"the {what} trailer counts {control} records, the {what} has {section.records}")


def write_items(
    path: Path,
    items: Iterable[PaymentItem],
    *,
    created_on: date | None = None,
    lockbox_account: str = "000123456789",
    type_code: str = "115",
    line_length: int = 80,
) -> None:
    """A valid lockbox file, written as the items come (flat memory): one group per run of items received
    the same day, each with one account; a detail longer than `line_length` carries its text on an 88."""
    file_records = groups = 0
    file_total = 0
    open_group: date | None = None
    group_records = group_total = 0

    def close_group(out: Any) -> None:
        nonlocal file_records, groups, file_total
        out.write(f"49,{group_total},{group_records}/\n")  # 03, details, 49
        out.write(f"98,{group_total},1,{group_records + 2}/\n")
        file_records += group_records + 2
        file_total += group_total
        groups += 1

    with path.open("w", encoding="utf-8", newline="\n") as out:
        for item in items:
            if open_group != item.received_on:
                if open_group is not None:
                    close_group(out)
                if file_records == 0:
                    created = created_on or item.received_on
                    out.write(f"01,BANK,COLLECTIONS,{created:%y%m%d},0800,1,,,2/\n")
                    file_records = 1
                open_group = item.received_on
                out.write(f"02,COLLECTIONS,BANK,1,{open_group:%y%m%d},0800,USD,2/\n")
                out.write(f"03,{lockbox_account},USD/\n")
                group_records, group_total = 2, 0  # 02 and 03 so far
            for record in _detail_records(item, type_code, line_length):
                out.write(record + "\n")
                group_records += 1
            group_total += item.amount_cents
        if open_group is None:  # no item: one empty group, as BAI2 needs one
            created = created_on or date(2000, 1, 1)
            out.write(f"01,BANK,COLLECTIONS,{created:%y%m%d},0800,1,,,2/\n")
            out.write(f"02,COLLECTIONS,BANK,1,{created:%y%m%d},0800,USD,2/\n")
            out.write(f"03,{lockbox_account},USD/\n")
            file_records, group_records, group_total = 1, 2, 0
        close_group(out)
        out.write(f"99,{file_total},{groups},{file_records + 1}/\n")


def _detail_records(item: PaymentItem, type_code: str, line_length: int) -> list[str]:
    customer_reference = item.account_number or item.remittance_reference
    for what, value in (("item reference", item.item_reference), ("customer reference", customer_reference)):
        if "," in value or "/" in value or value != value.strip() or not value.isprintable():
            raise ValueError(f"a BAI2 {what} cannot be {value!r}")
    if not item.item_reference or item.amount_cents <= 0:
        raise ValueError(f"no BAI2 item has reference {item.item_reference!r} and {item.amount_cents} cents")
    if not item.payer.isprintable():
        raise ValueError(f"a BAI2 text cannot be {item.payer!r}")
    head = f"16,{type_code},{item.amount_cents},{FundsType.unknown_availability.value},{item.item_reference},"
    head += customer_reference
    one = f"{head},{item.payer}/"
    if len(one) <= line_length:
        return [one]
    return [f"{head}/", f"88,{item.payer}/"]
