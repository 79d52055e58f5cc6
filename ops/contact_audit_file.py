"""The contact audit's input: an attempts file (CSV, one row per attempt; `collections simulate --attempts FILE`
writes one) read into rows; a bad cell is one line naming the file, the line and the cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from ops.contact_audit_rows import AuditInputError, Row, Window

COLUMNS = (
    "account_id", "attempt_no", "direction", "channel", "point_id", "point_kind", "point_role", "status",
    "rule", "outcome", "at", "template", "validation_notice", "purpose", "consent_to_calls",
    "address_state", "address_zone", "debtor_phones", "point_zone", "point_phone", "notice_first",
    "cease_at", "attorney_at", "attorney_allows_at", "holds", "opt_outs",
)  # fmt: skip
"""One row per attempt (or inbound contact); the account's facts repeated on each, so a row judges itself."""

_REQUIRED = ("account_id", "channel", "status", "at")


def _cell(text: str) -> str:
    """A CSV cell as written (a spreadsheet-safe leading "'" before a formula character taken off)."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def _instant(text: str, where: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise AuditInputError(f"{where}: not an ISO 8601 time: {text!r}") from None
    if at.tzinfo is None:
        raise AuditInputError(f"{where}: {text!r} has no UTC offset")
    return at.astimezone(UTC)


def _maybe_instant(text: str, where: str) -> datetime | None:
    return _instant(text, where) if text else None


def _windows(text: str, where: str) -> tuple[Window, ...]:
    """`what@start..end` separated by spaces (end empty: still on)."""
    windows = []
    for item in text.split():
        what, _, span = item.partition("@")
        start, dots, end = span.partition("..")
        if not what or not start or not dots:
            raise AuditInputError(f"{where}: {item!r} is not what@start..end")
        windows.append(Window(what, _instant(start, where), _maybe_instant(end, where)))
    return tuple(windows)


def _flag(text: str, where: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("", "false", "0", "no"):
        return False
    raise AuditInputError(f"{where}: {text!r} is not true or false")


def parse_rows(lines: Iterable[str], name: str = "attempts file") -> list[Row]:
    reader = csv.DictReader(lines)
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise AuditInputError(f"{name}: no column {', '.join(missing)} (an attempts export has {', '.join(COLUMNS)})")
    rows = []
    for number, raw in enumerate(reader, start=2):
        cell = {k: _cell(v or "") for k, v in raw.items() if k is not None}
        where = f"{name} line {number}"
        get = cell.get
        rows.append(Row(
            account_id=cell["account_id"], attempt_no=get("attempt_no", ""), direction=get("direction") or "outbound",
            channel=cell["channel"], point_id=get("point_id", ""), point_kind=get("point_kind", ""),
            point_role=get("point_role", ""), status=cell["status"], outcome=get("outcome", ""),
            at=_instant(cell["at"], f"{where}, at"), template=get("template", ""),
            validation_notice=_flag(get("validation_notice", ""), f"{where}, validation_notice"),
            purpose=get("purpose", ""),
            consent_to_calls=_flag(get("consent_to_calls", ""), f"{where}, consent_to_calls"),
            address_state=get("address_state", ""), address_zone=get("address_zone", ""),
            debtor_phones=tuple(get("debtor_phones", "").split()), point_zone=get("point_zone", ""),
            point_phone=get("point_phone", ""), notice_first=_flag(get("notice_first", ""), f"{where}, notice_first"),
            cease_at=_maybe_instant(get("cease_at", ""), f"{where}, cease_at"),
            attorney_at=_maybe_instant(get("attorney_at", ""), f"{where}, attorney_at"),
            attorney_allows_at=_maybe_instant(get("attorney_allows_at", ""), f"{where}, attorney_allows_at"),
            holds=_windows(get("holds", ""), f"{where}, holds"),
            opt_outs=_windows(get("opt_outs", ""), f"{where}, opt_outs"),
        ))  # fmt: skip
        for zone in (rows[-1].address_zone, rows[-1].point_zone):
            if zone:
                _known_zone(zone, where)
    return rows


@cache
def _zone_ok(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _known_zone(zone: str, where: str) -> None:
    if not _zone_ok(zone):
        raise AuditInputError(f"{where}: unknown time zone {zone!r}")


def read_file(path: Path) -> list[Row]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return parse_rows(handle, str(path))
    except FileNotFoundError:
        raise AuditInputError(f"no file {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise AuditInputError(f"cannot read {path}: {err}") from None
