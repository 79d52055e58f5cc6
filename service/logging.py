"""structlog set-up: JSON lines for services, a readable console on a terminal. Configured once.

Every line, ours and the libraries' (the SDK, uvicorn, SQLAlchemy), goes through `redact_personal_data`
last, after exceptions are rendered to text and just before the renderer. What it removes:

- the value of a personal key, wherever the key sits (top level, nested dicts, lists): names
  (`name`, `debtor_name`, `representative`, `attorney`, ...), `phone`, `email`, `street`,
  `address`, `postal_code`, `recipient`, message `subject` and `body`, card and bank account
  numbers, and clinical fields (`diagnosis`, `procedure`, ...); see PERSONAL_KEYS. Such a value is
  then also removed from every other string of the same line (the message, an exception's text);
- in every string (the message included, exception text included, reprs of objects too):
  emails, phone numbers, street addresses (`12 Elm St`, `PO Box 7`, `Springfield, IL 62701`),
  `key=value` / `key: value` pairs whose key is a personal one, names after a title (`Mr.`,
  `Dr.`), `account number 123...`, and any free-standing run of 9 or more digits (groups split by
  spaces or by dashes): a 13-19 digit Luhn-valid one is shown as `[card]`, any other as `[number]`.

What survives, on purpose: our own identifiers (account ids like `A1`, `W3`, `N0123abcd`, workflow
ids `account-A1`, run ids and other UUIDs, idempotency keys `attempt:A1:3`: a digit run glued to a
letter, a colon or a dash-separated UUID is not free-standing), integers (amounts in cents, attempt
numbers, counts, ports, pids: an int is redacted only when it is itself a Luhn-valid card number),
short numbers (up to 8 digits: amounts as text, postal codes alone, dates written `20260201`), ISO
dates and times, and IPv4 addresses with their port. A bare name in free text, with no personal key
and no title before it, cannot be recognised: pass names as keywords (`debtor_name=...`), never
inside the message.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from datetime import date, datetime
from enum import Enum
from typing import Any

import structlog

REDACTED = "[redacted]"
PERSONAL_KEYS = frozenset({
    "name", "full_name", "first_name", "last_name", "debtor", "debtor_name", "representative",
    "representative_name", "attorney", "attorney_name", "estate_representative",
    "phone", "phone_number", "mobile", "telephone", "email", "email_address", "recipient", "to", "cc", "bcc",
    "street", "street_address", "address", "address_line", "address_line_1", "address_line_2", "city",
    "postal_code", "zip", "zip_code",
    "subject", "body", "message_body", "ssn", "date_of_birth", "dob",
    "card", "card_number", "pan", "account_number", "bank_account", "routing_number", "iban",
    "diagnosis", "diagnosis_code", "procedure", "procedure_code", "icd", "icd_code", "cpt", "cpt_code",
    "provider_name", "service_description", "clinical_note",
})  # fmt: skip
_PERSON = r"(?:debtor|representative|attorney|contact|customer|person|estate|holder|patient)"
_PERSONAL_SUFFIX = re.compile(rf"^{_PERSON}_(?:name|phone|email|address|street|postal_code|city|ssn|dob)$")
_LABELS = "|".join(sorted((re.escape(k) for k in PERSONAL_KEYS if len(k) > 3), key=len, reverse=True))
_STREET_KINDS = (
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "dr", "lane", "ln", "way",
    "court", "ct", "place", "pl", "terrace", "ter", "parkway", "pkwy", "highway", "hwy", "circle", "cir",
    "square", "sq", "trail", "trl", "plaza", "plz",
)  # fmt: skip
_STREET_TYPES = "|".join(variant for kind in _STREET_KINDS for variant in (kind.title(), kind.upper()))
_TEXT = re.compile(
    "|".join((
        # kept as they are: UUIDs (run ids), ISO dates and times, IPv4 addresses (with a port)
        r"(?P<keep>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        r"|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
        r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b)",
        rf"(?P<label>(?i:\b(?:{_LABELS}|{_PERSON}_(?:name|phone|email|address|street)))['\"]?\s*[=:]\s*)"
        r"(?:'[^']*'|\"[^\"]*\"|[^,;)}\]\n]+)",
        r"(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
        r"(?P<titled>\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][A-Za-z'-]+(?:\s+[A-Z][A-Za-z'-]+)?)",
        r"(?P<account>(?i:\b(?:acct|account)\s*(?:no\.?|number|num|#)\s*[:#]?\s*[\w-]+))",
        r"(?P<pobox>(?i:\bP\.?\s?O\.?\s+Box\s+\d+))",
        rf"(?P<street>\b\d{{1,6}}[A-Z]?\s+(?:[A-Z0-9][A-Za-z0-9'.-]*\s+){{1,3}}?(?:{_STREET_TYPES})\b\.?"
        r"(?:,?\s*(?i:apt|apartment|unit|suite|ste|#)\.?\s*[\w-]+)?)",
        r"(?P<cityline>\b[A-Z][A-Za-z.'-]*(?:\s[A-Z][A-Za-z.'-]*)*,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b)",
        r"(?P<phone>(?<![\w+])(?:\+?1[\s.-]?)?\(\d{3}\)\s?\d{3}[\s.-]?\d{4}(?!\w)"
        r"|(?<![\w+.])(?:\+?1[\s.-])?\d{3}[\s.-]\d{3}[\s.-]\d{4}(?![\w.])"
        r"|\+\d{8,15}\b)",
        r"(?P<digits>(?<![\w.:+-])(?:\d{9,}|\d{1,6}(?: \d{1,6})+|\d{1,6}(?:-\d{1,6})+)(?![\w.:]))",
    ))
)  # fmt: skip
_LABELS_SHOWN = {"email": "[email]", "phone": "[phone]", "titled": "[name]"}


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _replacement(match: re.Match[str]) -> str:
    kind = match.lastgroup or ""
    if kind == "keep":
        return match.group(0)
    if kind == "label":
        return match.group("label") + REDACTED
    if kind == "digits":
        digits = re.sub(r"\D", "", match.group(0))
        return match.group(0) if len(digits) < 9 else "[card]" if _card(digits) else "[number]"
    if kind == "account":
        return "account number " + REDACTED
    return _LABELS_SHOWN.get(kind, "[address]")


def redact_text(text: str, known: Iterable[str] = ()) -> str:
    """`text` without personal data: the `known` values (from personal keys) first, then the patterns."""
    for value in known:
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    return _TEXT.sub(_replacement, text)


def personal_key(key: object) -> bool:
    name = str(key).strip().lower().replace("-", "_")
    return name in PERSONAL_KEYS or bool(_PERSONAL_SUFFIX.match(name))


def _known_values(value: Any, found: set[str], *, personal: bool = False) -> None:
    """Collect the strings held under personal keys (at any depth), to remove them elsewhere too."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _known_values(item, found, personal=personal or personal_key(key))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _known_values(item, found, personal=personal)
    elif personal and isinstance(value, str) and len(value.strip()) >= 3:
        found.add(value.strip())


def _redact(value: Any, known: tuple[str, ...], *, keys: bool) -> Any:
    if isinstance(value, str):
        return redact_text(value, known)
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return "[card]" if _card(str(abs(value))) else value
    if isinstance(value, Mapping):
        return {
            key: REDACTED if keys and personal_key(key) else _redact(item, known, keys=keys)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(item, known, keys=keys) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return _redact(value.value, known, keys=keys)
    return redact_text(repr(value), known)


def redact_personal_data(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Personal data never reaches a log line, whoever passed it and wherever in the line it sits."""
    found: set[str] = set()
    _known_values({key: value for key, value in event.items() if key != "exception"}, found)
    known = tuple(sorted(found, key=len, reverse=True))
    for key in list(event):
        if key == "exception":  # a rendered traceback: its keys (frame names, files) are structure, not data
            event[key] = _redact(event[key], known, keys=False)
        elif personal_key(key):
            event[key] = REDACTED
        else:
            event[key] = _redact(event[key], known, keys=True)
    return event


def workflow_ids(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A workflow's log line (the SDK's `temporal_workflow` extra) gets workflow_id, run_id and account_id fields."""
    context = event.pop("temporal_workflow", None)
    if isinstance(context, dict):
        workflow_id = str(context.get("workflow_id", ""))
        event.setdefault("workflow_id", workflow_id)
        event.setdefault("run_id", context.get("run_id"))
        event.setdefault("workflow_type", context.get("workflow_type"))
        if workflow_id.startswith("account-"):
            event.setdefault("account_id", workflow_id.removeprefix("account-"))
    return event


def configure_logging(*, log_format: str = "auto", level: str = "info") -> None:
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    # Exceptions become text (no local variables: they would carry whatever the frame held)
    # before the redaction, so that an exception's message is redacted like the rest.
    exceptions: structlog.types.Processor = (
        structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False))
        if as_json
        else structlog.processors.format_exc_info
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(allow=("temporal_workflow",)), workflow_ids],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            exceptions,
            redact_personal_data,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
