"""What a letter prints, frozen when it is queued: the facts its PDF (channels/pdf_letters.py) is drawn from.

The outbox row of a letter keeps these facts (`outbox.letter`, a JSON document): who sends it and where
to (12 CFR 1006.34(c)(2)(i)-(ii)), the creditor and account number (1006.34(c)(2)(iii)-(v)), the
itemization date and the itemization on the day it was sent (1006.34(c)(2)(vi)-(ix)) and the validation
period's end (1006.34(c)(3)(i)-(iii)). Written again, a batch prints the same PDF whatever happened to the account
since. A medical account's creditor is its billing name only (minimum necessary), as in every message.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from domain.itemization import Itemization, itemize
from store.views import AccountView

VERSION = 1
_PHONE = re.compile(r"^[+0-9 ()./-]{7,}$")
_STATE_ZIP = re.compile(r"^[A-Z]{2} [0-9]{5}(-[0-9]{4})?$")


@dataclass(frozen=True)
class Collector:
    """The debt collector as COMPANY_CONTACT gives it: 'Name, street, city, ST ZIP, phone'."""

    name: str
    address: tuple[str, ...]
    phone: str | None


def collector_of(company_contact: str) -> Collector:
    """1006.34(c)(2)(i): the collector's name and mailing address, from the contact line every message carries.

    The first part is the name; a last part that looks like a phone number is the phone; 'City, ST ZIP'
    stay on one line. 'Example Collections, PO Box 1000, Springfield, IL 62701, 1-800-555-0100' ->
    ('Example Collections', ('PO Box 1000', 'Springfield, IL 62701'), '1-800-555-0100').
    """
    parts = [part.strip() for part in company_contact.split(",") if part.strip()]
    if not parts:
        return Collector(name=company_contact.strip(), address=(), phone=None)
    name, rest = parts[0], parts[1:]
    phone = rest.pop() if rest and _PHONE.match(rest[-1]) else None
    lines: list[str] = []
    for part in rest:
        if _STATE_ZIP.match(part) and lines:
            lines[-1] = f"{lines[-1]}, {part}"
        else:
            lines.append(part)
    return Collector(name=name, address=tuple(lines), phone=phone)


def mailing_lines(recipient: str) -> tuple[str, tuple[str, ...]]:
    """A letter's recipient as queued ('Name\\nstreet, city, ST ZIP') as the name and the address lines.

    'Pat Doe\\n2323 Park Street, Apartment 342, Bethesda, MD 20815' ->
    ('Pat Doe', ('2323 Park Street', 'Apartment 342', 'Bethesda, MD 20815')).
    """
    name, _, address = recipient.partition("\n")
    parts = [part.strip() for part in address.replace("\n", ",").split(",") if part.strip()]
    if len(parts) >= 3 and _STATE_ZIP.match(parts[-1]):
        parts = [*parts[:-2], f"{parts[-2]}, {parts[-1]}"]
    return name.strip(), tuple(parts)


@dataclass(frozen=True)
class LetterFacts:
    """Everything a letter's PDF prints beyond its text; stored as `asdict` in `outbox.letter`."""

    template: str
    language: str
    sent_on: date
    company_contact: str
    creditor: str
    account_number: str
    currency: str
    itemization: Itemization
    validation_period_end: date | None = None
    disclosures: tuple[str, ...] = ()
    """Lines a state's rule requires on written communications (a licence number), printed on the notice."""

    def as_document(self) -> dict[str, Any]:
        document = asdict(self)
        document["version"] = VERSION
        document["sent_on"] = self.sent_on.isoformat()
        document["validation_period_end"] = None if self.validation_period_end is None else (
            self.validation_period_end.isoformat())  # fmt: skip
        document["itemization"]["itemization_date"] = self.itemization.itemization_date.isoformat()
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> LetterFacts:
        items = dict(document["itemization"])
        items["itemization_date"] = date.fromisoformat(items["itemization_date"])
        end = document.get("validation_period_end")
        return cls(
            template=document["template"],
            language=document["language"],
            sent_on=date.fromisoformat(document["sent_on"]),
            company_contact=document["company_contact"],
            creditor=document["creditor"],
            account_number=document["account_number"],
            currency=document["currency"],
            itemization=Itemization(**items),
            validation_period_end=None if end is None else date.fromisoformat(end),
            disclosures=tuple(document.get("disclosures") or ()),
        )


def letter_facts(
    account: AccountView,
    *,
    template: str,
    language: str,
    creditor: str,
    company_contact: str,
    payments_cents: int,
    sent_on: date,
    validation_period_end: date | None,
    disclosures: str = "",
    charges_cents: int = 0,
    new_debt_cents: int = 0,
) -> LetterFacts:
    """The facts of a letter to `account` sent on `sent_on`; `creditor` as the message shows it (medical:
    the billing name). The itemization date is the one loaded, else the due date (1006.34(b)(3)); the
    amount on it the balance loaded; payments are every payment recorded since, an insurer's included
    (domain/itemization.py). The creditor's charges: `charges_cents` for services on or before the itemization
    date (part of the amount on it), `new_debt_cents` for services after it (another debt, not itemized here).
    `disclosures`: the message's licence line(s), one a line."""
    itemization = itemize(
        account.itemization_date or account.due_date,
        amount_on_itemization_date_cents=account.original_balance_cents,
        current_cents=account.balance_cents,
        payments_cents=payments_cents,
        charges_cents=charges_cents,
        new_debt_cents=new_debt_cents,
    )
    return LetterFacts(
        template=template,
        language=language,
        sent_on=sent_on,
        company_contact=company_contact,
        creditor=creditor,
        account_number=account.account_id,
        currency=account.currency,
        itemization=itemization,
        validation_period_end=validation_period_end,
        disclosures=tuple(line.strip() for line in disclosures.splitlines() if line.strip()),
    )
