"""Validation of the accounts file that operations load (one row per past-due account)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.money import InvalidAmount, parse_amount

ACCOUNT_COLUMNS = (
    "account_id", "debtor_name", "phone", "email", "street", "city", "state",
    "postal_code", "timezone", "balance", "due_date", "creditor", "medical", "segment",
)  # fmt: skip
CONSENT_COLUMNS = ("sms_consent", "autodialer_consent")
"""Optional: prior express consent for texts and autodialed calls to the phone (default false)."""
LANGUAGES = ("en", "es")
"""Optional column `language`: the debtor's language (default en); es gets the Spanish validation notice
(Model Form B-1's Spanish version, 12 CFR 1006.34(e)) and the Spanish templates."""
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_STATE = re.compile(r"^[A-Z]{2}$")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False, "": False}


@dataclass(frozen=True)
class AccountRecord:
    account_id: str
    debtor_name: str
    phone: str | None
    email: str | None
    street: str
    city: str
    state: str
    postal_code: str
    timezone: str | None
    balance_cents: int
    due_date: date
    creditor: str
    medical: bool
    segment: str
    currency: str = "USD"
    sms_consent: bool = False
    autodialer_consent: bool = False
    language: str = "en"
    itemization_date: date | None = None
    """Optional column: the validation notice's itemization date (1006.34(b)(3): last statement, charge-off,
    last payment, transaction or judgment date), the day `balance` was owed; without it, `due_date`."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class IntakeError(ValueError):
    """The file was rejected; nothing of it may be applied."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} invalid row(s): {shown}{more}")


def validate_account_id(account_id: str) -> str:
    if not _ACCOUNT_ID.match(account_id):
        raise ValueError(f"invalid account id {account_id!r}: letters, digits, '_', '.', '-' (at most 64)")
    return account_id


def normalize_phone(raw: str) -> str:
    """North American numbers to E.164 (+1XXXXXXXXXX); other numbers must already be E.164."""
    digits = re.sub(r"[\s().-]", "", raw)
    if digits.startswith("+") and not digits.startswith("+1"):
        if re.fullmatch(r"\+[2-9]\d{6,14}", digits):
            return digits
        raise ValueError(f"invalid phone {raw!r}")
    local = digits.removeprefix("+")
    if len(local) == 11 and local.startswith("1"):
        local = local[1:]
    if re.fullmatch(r"[2-9]\d{2}[2-9]\d{6}", local):
        return f"+1{local}"
    raise ValueError(f"invalid phone {raw!r}")


def _parse_row(row: dict[str, str]) -> AccountRecord:
    def text(column: str, *, required: bool = True) -> str:
        value = (row.get(column) or "").strip()
        if required and not value:
            raise ValueError(f"{column} is required")
        return value

    timezone = text("timezone", required=False) or None
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown timezone {timezone!r} (expected an IANA name)") from None
    flags = {}
    for column in ("medical", *CONSENT_COLUMNS):
        flag = text(column, required=False).lower()
        if flag not in _BOOLEANS:
            raise ValueError(f"{column} must be true or false, got {flag!r}")
        flags[column] = _BOOLEANS[flag]
    email = text("email", required=False) or None
    if email is not None and not _EMAIL.match(email):
        raise ValueError(f"invalid email {email!r}")
    phone_raw = text("phone", required=False)
    state = text("state").upper()
    if not _STATE.match(state):
        raise ValueError(f"state must be a two-letter code, got {state!r}")
    try:
        due_date = date.fromisoformat(text("due_date"))
    except ValueError:
        raise ValueError(f"due_date must be an ISO date (YYYY-MM-DD), got {row.get('due_date')!r}") from None
    try:
        balance = parse_amount(text("balance"))
    except InvalidAmount as err:
        raise ValueError(f"balance: {err}") from None
    language = text("language", required=False).lower() or "en"
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {row.get('language')!r}")
    itemized = text("itemization_date", required=False)
    try:
        itemization_date = date.fromisoformat(itemized) if itemized else None
    except ValueError:
        raise ValueError(f"itemization_date must be an ISO date (YYYY-MM-DD), got {itemized!r}") from None
    return AccountRecord(
        account_id=validate_account_id(text("account_id")),
        debtor_name=text("debtor_name"),
        phone=normalize_phone(phone_raw) if phone_raw else None,
        email=email,
        street=text("street"),
        city=text("city"),
        state=state,
        postal_code=text("postal_code"),
        timezone=timezone,
        balance_cents=balance,
        due_date=due_date,
        creditor=text("creditor"),
        medical=flags["medical"],
        segment=text("segment", required=False) or "default",
        sms_consent=flags["sms_consent"],
        autodialer_consent=flags["autodialer_consent"],
        language=language,
        itemization_date=itemization_date,
    )


def parse_accounts_csv(content: str) -> list[AccountRecord]:
    """All rows or none: raises IntakeError listing every bad row by its line number."""
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ACCOUNT_COLUMNS if c not in header]
    if missing:
        raise IntakeError([RowError(1, f"missing column(s): {', '.join(missing)}")])
    reader.fieldnames = header
    records: list[AccountRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            errors.append(RowError(line, "more fields than the header has"))
            continue
        try:
            record = _parse_row(row)
        except ValueError as err:
            errors.append(RowError(line, str(err)))
            continue
        if record.account_id in seen:
            errors.append(RowError(line, f"account {record.account_id} repeats line {seen[record.account_id]}"))
            continue
        seen[record.account_id] = line
        records.append(record)
    if errors:
        raise IntakeError(errors)
    if not records:
        raise IntakeError([RowError(1, "the file has no account rows")])
    return records
