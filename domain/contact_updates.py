"""Contact updates staff record: a phone, email or address added, corrected, retired or found bad, and the
debtor's language (pure: the vocabulary and the one way a value is written down).

A point is never deleted. Retiring it, or finding it bad (a wrong number, a returned letter, a bounced
email), leaves the row for the attempts that used it and the audit log; the gate, the zones and the rule
packs skip it from then on (`bad`). The checks every edge shares are in domain/validation.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from domain.intake import normalize_phone

KINDS = ("phone", "email", "address")


class Source(StrEnum):
    """Who gave us the point."""

    DEBTOR = "debtor"
    CREDITOR = "creditor"
    SKIP_TRACE = "skip_trace"
    RETURNED_MAIL = "returned_mail"
    """A forwarding address printed on a returned letter."""


class ConsentFrom(StrEnum):
    """Who gave prior express consent to texts or autodialed calls to a phone: the debtor, to us or to the
    creditor (a skip trace gives none)."""

    DEBTOR = "debtor"
    CREDITOR = "creditor"


class RetireReason(StrEnum):
    MOVED = "moved"
    DISCONNECTED = "disconnected"
    WRONG_NUMBER = "wrong_number"
    DEBTOR_REQUEST = "debtor_request"
    CORRECTED = "corrected"
    """Replaced by the corrected value (`contact update --value`)."""
    OTHER = "other"


class BadReason(StrEnum):
    """Why a point is unusable."""

    WRONG_NUMBER = "wrong_number"
    """A call's outcome (`event contact-outcome ... --outcome wrong_number`)."""
    RETURNED_MAIL = "returned_mail"
    """A letter came back undeliverable."""
    BOUNCED = "bounced"
    """An email bounced."""
    RETIRED = "retired"


BAD_REASON_KIND = {BadReason.RETURNED_MAIL: "address", BadReason.BOUNCED: "email", BadReason.WRONG_NUMBER: "phone"}
"""What each reason can be said of: mail returns from an address, an email bounces, a number is wrong."""

LANGUAGES = {"en": "English", "es": "Spanish"}
"""The languages letters and messages are written in (channels/templates, channels/model_form_words.py)."""

MAX_VALUE = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ADDRESS = re.compile(r"^[^,]+,[^,]+,\s*[A-Z]{2}\s+\d{5}(-\d{4})?$")
ADDRESS_SHAPE = "street, city, ST 12345 (as the accounts file gives one)"


def point_value(kind: str, value: str) -> str:
    """The value as the store keeps it (a phone in E.164, checked against phonenumbers' numbering plan;
    an email or address with its spaces tidied); ValueError with the reason when it is malformed."""
    tidy = " ".join(value.split())
    if not tidy:
        raise ValueError(f"the {kind} is empty")
    if len(tidy) > MAX_VALUE or not tidy.isprintable():
        raise ValueError(f"the {kind} is at most {MAX_VALUE} printable characters")
    if kind == "phone":
        return _phone(tidy)
    if kind == "email":
        if not _EMAIL.match(tidy):
            raise ValueError(f"malformed email {tidy!r}: expected name@domain.tld")
        return tidy
    if kind == "address":
        if not _ADDRESS.match(tidy):
            raise ValueError(f"malformed address {tidy!r}: expected {ADDRESS_SHAPE}")
        return tidy
    raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")


def _phone(raw: str) -> str:
    import phonenumbers  # noqa: PLC0415 (as domain.timezones: first use only, outside the workflow's path)

    try:
        normalized = normalize_phone(raw)  # the loader's format: +1XXXXXXXXXX
        valid = phonenumbers.is_valid_number(phonenumbers.parse(normalized, None))
    except (ValueError, phonenumbers.NumberParseException):
        valid = False
    if not valid:
        raise ValueError(f"malformed phone {raw!r}: not a number in service anywhere (phonenumbers)")
    return normalized


def same_value(kind: str, left: str, right: str) -> bool:
    """Two values name the same point (emails and addresses compared without case)."""
    return left == right if kind == "phone" else left.casefold() == right.casefold()


def point_line(point: Mapping[str, Any]) -> str:
    """One contact point for people (`status`, the account page): its value (as the reader may see it),
    whose, where it came from, its consents, and its marks: retired, bad and why, opted out."""
    said = [str(point.get("value") or "")]
    if point.get("role") not in (None, "debtor"):
        said.append(str(point["role"]).replace("_", " ") + (f" ({point['label']})" if point.get("label") else ""))
    return ", ".join([*said, point_facts(point)]) + "".join(f"; {mark}" for mark in point_marks(point))


def point_facts(point: Mapping[str, Any]) -> str:
    """'from debtor, texts no, autodialed calls yes (debtor, 2026-12-07)': no value, no personal data."""
    said = [f"from {_words(point.get('source')) or 'the accounts file'}"]
    if point.get("kind") == "phone":
        said.append(f"texts {_consent(point, 'sms')}, autodialed calls {_consent(point, 'autodialer')}")
    return ", ".join(said)


def point_marks(point: Mapping[str, Any]) -> list[str]:
    """'RETIRED 2026-12-07 by jane (moved, replaced by #7)', 'UNDELIVERABLE (returned mail) since ...'."""
    marks = []
    if point.get("retired_at"):
        replaced = f", replaced by #{point['replaced_by']}" if point.get("replaced_by") else ""
        by = f" by {point['retired_by']}" if point.get("retired_by") else ""
        marks.append(f"RETIRED {_day(point['retired_at'])}{by} ({_words(point.get('retired_reason'))}{replaced})")
    elif point.get("bad"):
        reason = point.get("bad_reason")
        what = "UNDELIVERABLE" if reason == BadReason.RETURNED_MAIL else "BAD"
        why = f" ({_words(reason)})" if reason else ""
        marks.append(f"{what}{why}" + (f" since {_day(point['bad_at'])}" if point.get("bad_at") else ""))
    if point.get("opted_out"):
        marks.append("opted out")
    if point.get("opted_out_channels"):
        marks.append("opted out of " + ", ".join(point["opted_out_channels"]))
    return marks


def usable(point: Mapping[str, Any]) -> bool:
    return point.get("role") in (None, "debtor") and not point.get("bad") and not point.get("retired_at")


def _consent(point: Mapping[str, Any], what: str) -> str:
    given, by, at = point.get(f"consent_{what}"), point.get(f"consent_{what}_from"), point.get(f"consent_{what}_at")
    if not given:
        return f"no (withdrawn {_day(at)})" if at else "no"
    if not by:
        return "yes (accounts file)"
    return f"yes ({by}" + (f", {_day(at)})" if at else ")")


def _day(at: object) -> str:
    return str(at)[:10]


def _words(code: object) -> str:
    return str(code or "").replace("_", " ")
