"""Messages from templates: `templates/<language>/<channel>_<template>.txt`, `string.Template` syntax.

Email and letter templates start with a `Subject: ...` line. A template may use only the fields of
MessageContext, checked when it is loaded: there is no field for a diagnosis, a procedure or any
other service description, so no template can print one (HIPAA minimum necessary). A language
without the template falls back to English; a call without `call_<template>` reads `call_script`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import date
from functools import lru_cache
from pathlib import Path
from string import Template

from domain.contact import Channel
from domain.contact_messages import CALL_SCRIPT
from domain.disclosure import creditor_name as creditor_name  # the one rule; messages use it
from domain.errors import Refused
from domain.money import format_cents
from store.views import AccountView

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_LANGUAGE = "en"
SUBJECT_CHANNELS = frozenset({Channel.EMAIL, Channel.LETTER})
_NAME = re.compile(r"^[a-z][a-z_]{0,31}$")
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"),
}  # fmt: skip


class TemplateError(Refused):
    """A template that is missing, malformed or asks for a field messages may not carry."""


@dataclass(frozen=True)
class MessageContext:
    """Everything a template may print; nothing else about the account reaches a message."""

    debtor_name: str
    creditor: str
    balance: str
    itemization_date: str
    account_reference: str
    company_contact: str
    validation_period_end: str | None = None
    license_line: str = ""
    """The collector's licence number(s) for the debtor's jurisdiction ('California Debt Collector License
    No. 10059-99'), one per line; empty where none applies. A template places it with $license_line; one
    that does not gets it appended, so no written message can leave it out (Civ. Code 1788.11(f))."""


PLACEHOLDERS = frozenset(f.name for f in fields(MessageContext))


@dataclass(frozen=True)
class RenderedMessage:
    subject: str | None
    body: str


@dataclass(frozen=True)
class MessageTemplate:
    subject: Template | None
    body: Template
    placeholders: frozenset[str]


def load_template(path: Path, channel: Channel) -> MessageTemplate:
    """Read and check one template file; TemplateError names the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise TemplateError(f"cannot read template {path}: {err}") from None
    subject = None
    if Channel(channel) in SUBJECT_CHANNELS:
        first, _, text = text.partition("\n")
        if not first.startswith("Subject:"):
            raise TemplateError(f"template {path.name}: the first line must be 'Subject: ...'")
        subject = Template(first.removeprefix("Subject:").strip())
    body = Template(text.strip("\n") + "\n")
    used: set[str] = set()
    for part in (subject, body):
        if part is None:
            continue
        if not part.is_valid():
            raise TemplateError(f"template {path.name}: malformed placeholder (write $$ for a dollar sign)")
        used.update(part.get_identifiers())
    unknown = sorted(used - PLACEHOLDERS)
    if unknown:
        raise TemplateError(
            f"template {path.name}: unknown placeholder(s) {', '.join('$' + u for u in unknown)}; "
            f"a message may use only {', '.join(sorted(PLACEHOLDERS))}"
        )
    return MessageTemplate(subject=subject, body=body, placeholders=frozenset(used))


def template_file(channel: Channel, template: str, language: str, *, root: Path = TEMPLATES) -> tuple[Path, str]:
    """The file to render and its language: the account's language first, then English."""
    channel = Channel(channel)
    if not _NAME.match(template):
        raise TemplateError(f"invalid template name {template!r}")
    names = [f"{channel.value}_{template}"] + ([f"call_{CALL_SCRIPT}"] if channel == Channel.CALL else [])
    languages = [language] if _NAME.match(language) else []
    for lang in dict.fromkeys([*languages, DEFAULT_LANGUAGE]):
        for name in names:
            path = root / lang / f"{name}.txt"
            if path.is_file():
                return path, lang
    raise TemplateError(f"no template {channel.value}_{template} in {language!r} or {DEFAULT_LANGUAGE!r}")


def template_language(channel: Channel, template: str, language: str, *, root: Path = TEMPLATES) -> str:
    """The language the message will be written in (the account's, or English as the fallback)."""
    return template_file(channel, template, language, root=root)[1]


def render_message(
    channel: Channel, template: str, language: str, context: MessageContext, *, root: Path = TEMPLATES
) -> RenderedMessage:
    path, _ = template_file(channel, template, language, root=root)
    loaded = _cached(path, Channel(channel))
    values = asdict(context)
    missing = sorted(name for name in loaded.placeholders if values[name] is None)
    if missing:
        raise TemplateError(f"template {path.name} needs {', '.join(missing)}")
    subject = None if loaded.subject is None else loaded.subject.substitute(values)
    body = loaded.body.substitute(values)
    if context.license_line and "license_line" not in loaded.placeholders:
        body = f"{body.rstrip(chr(10))}\n\n{context.license_line}\n"
    return RenderedMessage(subject=subject, body=body)


def check_templates(root: Path = TEMPLATES) -> list[Path]:
    """Load every template under `root` (TemplateError on the first bad one); the files checked."""
    checked = []
    for path in sorted(root.glob("*/*.txt")):
        channel = path.stem.split("_", 1)[0]
        try:
            load_template(path, Channel(channel))
        except ValueError as err:
            raise TemplateError(f"template {path}: {err}") from None
        checked.append(path)
    return checked


def message_context(
    account: AccountView,
    *,
    language: str,
    company_contact: str,
    validation_period_end: date | None = None,
    license_lines: tuple[str, ...] = (),
) -> MessageContext:
    """The fields of a message for `account`; a medical account shows its creditor's name only."""
    return MessageContext(
        debtor_name=account.debtor_name,
        creditor=creditor_name(account.creditor, language) if account.medical else account.creditor,
        balance=format_cents(account.balance_cents, account.currency),
        itemization_date=format_date(account.itemization_date or account.due_date, language),
        account_reference=account.account_id,
        company_contact=company_contact,
        validation_period_end=None if validation_period_end is None else format_date(validation_period_end, language),
        license_line="\n".join(license_lines),
    )


def format_date(day: date, language: str) -> str:
    months = _MONTHS.get(language, _MONTHS[DEFAULT_LANGUAGE])
    if language == "es":
        return f"{day.day} de {months[day.month - 1]} de {day.year}"
    return f"{months[day.month - 1]} {day.day}, {day.year}"


@lru_cache(maxsize=256)
def _cached(path: Path, channel: Channel) -> MessageTemplate:
    return load_template(path, channel)
