"""A customer statement: the account's money in date order with a running balance, and how to pay.

The lines: the original balance (the day the account was loaded), then each payment (by received
date), settlement forgiveness, write-off, adjustment, the creditor's new charges and credits, payments
returned (by the day each was recorded) up to the statement date, each with the balance after it. A
duplicate carries
"DUPLICATE — reprinted on <date>".
A medical account shows its creditor's name only (no service description: a charge shows its service date).
"""

from __future__ import annotations

import textwrap
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from domain.disclosure import shown_creditor
from domain.itemization import CHARGE
from domain.money import format_cents
from domain.plan_messages import PlanStatus
from ops.errors import OpsError
from ops.report_files import render_html
from ops.reports import Sessions
from store import creditor, report_listings, repository, reversals

WRITE_DOWN_TEXT = {
    "write_off": "Balance written off",
    "settlement": "Settlement: amount forgiven",
    "adjustment": "Adjustment",
    "creditor_credit": "Credit from the creditor",
}
_REVERSED = {
    "nsf": "insufficient funds", "closed_account": "bank account closed", "unauthorized": "not authorized",
    "chargeback": "charged back", "other": "reversed",
}  # fmt: skip
DESCRIPTION_WIDTH = 51
"""The description column of the text statement; a longer description continues on the next lines."""
DISCLOSURE = (
    "This is a communication from a debt collector attempting to collect a debt. "
    "Any information obtained will be used for that purpose."
)


@dataclass(frozen=True)
class StatementLine:
    day: date
    description: str
    amount_cents: int
    """Added to the balance: negative for payments and write-downs."""
    balance_cents: int


@dataclass(frozen=True)
class Statement:
    account_id: str
    creditor: str
    debtor_name: str
    address: list[str]
    currency: str
    statement_date: date
    original_balance_cents: int
    lines: list[StatementLine]
    balance_cents: int
    next_installment: dict[str, Any] | None
    """{'due_date', 'amount_cents', 'number'} of the active plan's next unpaid installment."""
    company_contact: str
    reprinted_on: date | None
    """A duplicate bill, reprinted on this day."""

    @property
    def duplicate_banner(self) -> str | None:
        return None if self.reprinted_on is None else f"DUPLICATE — reprinted on {self.reprinted_on.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "duplicate": self.reprinted_on is not None, "duplicate_banner": self.duplicate_banner}


async def statement(
    sessions: Sessions, account_id: str, *, as_of: date, company_contact: str, reprinted_on: date | None = None
) -> Statement:
    """The statement of `account_id` as of the end of `as_of`; OpsError for an unknown account."""
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
        if account is None:
            raise OpsError(f"unknown account {account_id}")
        payments = await repository.payments_for(session, account_id)
        downs = await report_listings.write_downs(session, account_id=account_id)
        plans = await repository.plans_for(session, account_id)
        entries = await creditor.creditor_entries_for(session, account_id)
        returned = await reversals.reversals_for(session, account_id)
    events: list[tuple[date, datetime, str, int]] = [
        (p.received_on, p.recorded_at, f"Payment received, thank you (ref. {p.reference})", -p.amount_cents)
        for p in payments
    ]
    events += [(d.day, d.at, _write_down_text(d), -d.amount_cents) for d in downs]
    events += [
        (e.recorded_at.date(), e.recorded_at, _charge_text(e, medical=account.medical), e.amount_cents)
        for e in entries
        if e.kind == CHARGE
    ]
    events += [
        (r.recorded_at.date(), r.recorded_at, f"Payment returned: {_REVERSED[r.reason]} (ref. {r.payment_reference})",
         r.amount_cents)
        for r in returned
    ]  # fmt: skip
    opened = account.created_at.date()
    balance = account.original_balance_cents
    lines = [StatementLine(min(opened, as_of), "Original balance", balance, balance)]
    for day, _, description, amount in sorted(events, key=lambda event: (event[0], event[1])):
        if day > as_of:
            continue
        balance += amount
        lines.append(StatementLine(day, description, amount, balance))
    return Statement(
        account_id=account.account_id,
        creditor=shown_creditor(account.creditor, account.medical),
        debtor_name=account.debtor_name,
        address=[account.street, f"{account.city}, {account.state} {account.postal_code}"],
        currency=account.currency,
        statement_date=as_of,
        original_balance_cents=account.original_balance_cents,
        lines=lines,
        balance_cents=balance,
        next_installment=_next_installment(plans),
        company_contact=company_contact,
        reprinted_on=reprinted_on,
    )


def _write_down_text(down: report_listings.WriteDown) -> str:
    text = WRITE_DOWN_TEXT[down.kind]
    return f"{text}: {down.note}" if down.kind in {"adjustment", "creditor_credit"} and down.note else text


def _charge_text(entry: creditor.CreditorEntryView, *, medical: bool) -> str:
    """'New charge: office visit, service 2026-11-20 (ref. V-1)'; a medical account names no service."""
    served = "" if entry.service_date is None else f"service {entry.service_date.isoformat()} "
    what = "" if medical or not entry.description else f": {entry.description},"
    return f"New charge{what} {served}(ref. {entry.reference})"


def _next_installment(plans: list[Any]) -> dict[str, Any] | None:
    for plan in plans:
        if plan.status != PlanStatus.ACTIVE:
            continue
        for installment in plan.installments:
            if installment.status == "scheduled" and installment.paid_cents < installment.amount_cents:
                return {
                    "number": installment.number,
                    "due_date": installment.due_date,
                    "amount_cents": installment.amount_cents - installment.paid_cents,
                }
    return None


def statement_text(s: Statement) -> str:
    """The statement as plain text (for the terminal or a .txt file)."""

    def money(cents: int) -> str:
        return format_cents(cents, s.currency)

    out = []
    if s.duplicate_banner:
        out += [f"*** {s.duplicate_banner} ***", ""]
    out += [
        "STATEMENT OF ACCOUNT",
        f"Statement date:    {s.statement_date.isoformat()}",
        f"Creditor:          {s.creditor}",
        f"Account reference: {s.account_id}",
        "",
        s.debtor_name,
        *s.address,
        "",
        f"{'Date':<12}{'Description':<52}{'Amount':>14}{'Balance':>14}",
    ]
    for number, line in enumerate(s.lines):
        first, *more = _wrapped(line.description)
        amount = money(line.amount_cents) if number else ""
        out.append(f"{line.day.isoformat():<12}{first:<52}{amount:>14}{money(line.balance_cents):>14}".rstrip())
        out += [f"{'':<12}{rest}" for rest in more]
    out += ["", f"Current balance: {money(s.balance_cents)}"]
    if s.next_installment:
        due = s.next_installment["due_date"].isoformat()
        out.append(f"Next installment: {money(s.next_installment['amount_cents'])} due {due}")
    out += [
        "",
        f"To pay, or to talk about payment options, write to or call us at: {s.company_contact}",
        f"Please quote the reference {s.account_id}.",
        "",
        DISCLOSURE,
    ]
    return "\n".join(out) + "\n"


def _wrapped(description: str) -> list[str]:
    """The description in lines of at most DESCRIPTION_WIDTH characters, words (a payment reference) never cut."""
    kept = description.replace("ref. ", "ref.\0")  # "(ref. X)" stays on one line
    lines = textwrap.wrap(kept, DESCRIPTION_WIDTH, break_long_words=False, break_on_hyphens=False) or [""]
    return [line.replace("\0", " ") for line in lines]


def statement_html(s: Statement) -> str:
    """The statement as one self-contained HTML page."""
    return render_html("statement.html", s=s, disclosure=DISCLOSURE)
