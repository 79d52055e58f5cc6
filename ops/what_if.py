"""`simulate --from-store --strategy B`: the store's open book under B against its current strategy.

The open accounts (not in a terminal stage) are read as they stand: balance, due date, segment, address and
contact points with their opt-outs, bad numbers and cease. The debtors behave at the rates the store's own
history shows (domain.debtor_model.rates_from_history). Both runs use the fast engine (ops/fast_engine.py) with
the same seed, so only the strategy differs. Each account starts afresh in contacting: its contact history so
far is not replayed, and accounts on hold are left out. Nothing is written to the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain import debtor_model as model
from domain.intake import AccountRecord
from domain.stages import Stage
from ops.errors import OpsError
from ops.fast_engine import simulate_book
from ops.fast_store import PointRow, StoredContacts
from ops.reports import store_sessions
from ops.simulation import SimulationReport
from store import book_history
from store.contacts import DEBTOR
from store.models import AccountRow, ContactPointRow


@dataclass
class Book:
    """The store's open accounts as the fast engine takes them, and its history counted."""

    records: list[AccountRecord]
    stored: dict[str, StoredContacts]
    on_hold: int
    counts: model.HistoryCounts


@dataclass
class WhatIf:
    current: SimulationReport
    proposed: SimulationReport
    measured: list[model.MeasuredRate]
    on_hold: int
    difference: dict[str, object] = field(default_factory=dict)


async def read_book(database_url: str) -> Book:
    async with store_sessions(database_url) as sessions, sessions() as session:
        rows = await book_history.open_accounts(session)
        counts = await book_history.history_counts(session)
        on_hold = sum(1 for account, _ in rows if account.stage == Stage.ON_HOLD.value)
        working = [(account, points) for account, points in rows if account.stage != Stage.ON_HOLD.value]
        records = [_record(account, points) for account, points in working]
        stored = {account.account_id: _contacts(account, points) for account, points in working}
    return Book(records, stored, on_hold, counts)


def what_if(
    book: Book, *, current: str, proposed: str, days: int, seed: int, start: datetime | None = None,
    licences: Mapping[str, str] | None = None, on_account: Callable[[], None] = lambda: None,
) -> WhatIf:  # fmt: skip
    """Both strategies over the book, the same seed and measured rates; refused when nothing is open."""
    require_open(book)
    rates, measured = model.rates_from_history(book.counts)
    reports = [
        simulate_book(
            book.records,
            days=days,
            seed=seed,
            strategy=name,
            rates=rates,
            start=start,
            stored=book.stored,
            licences=licences,
            on_account=on_account,
        )  # fmt: skip
        for name in (current, proposed)
    ]
    return WhatIf(reports[0], reports[1], measured, book.on_hold, difference(reports[0], reports[1]))


def require_open(book: Book) -> None:
    if not book.records:
        held = f" ({book.on_hold} on hold, which the what-if leaves out)" if book.on_hold else ""
        raise OpsError(f"the store has no open account to simulate{held}: load accounts first")


def difference(current: SimulationReport, proposed: SimulationReport) -> dict[str, object]:
    """What `proposed` does that `current` does not: positive is more under `proposed`."""

    def by_key(name: str) -> dict[str, int]:
        a, b = getattr(current, name), getattr(proposed, name)
        return {key: b.get(key, 0) - a.get(key, 0) for key in sorted({*a, *b})}

    return {
        "collected_cents": proposed.collected_cents - current.collected_cents,
        "cure_rate": round(proposed.cure_rate - current.cure_rate, 4),
        "by_stage": by_key("by_stage"),
        "attempts_by_channel": by_key("attempts_by_channel"),
        "blocks_by_rule": by_key("blocks_by_rule"),
    }


def rate_lines(measured: list[model.MeasuredRate]) -> list[str]:
    """One line per rate: its value and where it came from."""
    lines = []
    for m in measured:
        source = (
            f"measured from {m.observations} observations"
            if m.measured
            else f"default: only {m.observations} observations (under {model.MIN_OBSERVATIONS})"
        )
        lines.append(f"  {m.name.replace('_', ' ')} {m.rate * 100:.1f}%: {source}")
    return lines


def _record(account: AccountRow, points: list[ContactPointRow]) -> AccountRecord:
    phone = next((p for p in points if p.kind == "phone" and p.role == DEBTOR), None)
    email = next((p.value for p in points if p.kind == "email" and p.role == DEBTOR), None)
    return AccountRecord(
        account_id=account.account_id, debtor_name=account.debtor_name, phone=phone.value if phone else None,
        email=email, street=account.street, city=account.city, state=account.state,
        postal_code=account.postal_code, timezone=account.timezone, balance_cents=account.balance_cents,
        due_date=account.due_date, creditor=account.creditor, medical=account.medical, segment=account.segment,
        currency=account.currency, sms_consent=bool(phone and phone.consent_sms),
        autodialer_consent=bool(phone and phone.consent_autodialer), language=account.language,
        itemization_date=account.itemization_date,
    )  # fmt: skip


def _contacts(account: AccountRow, points: list[ContactPointRow]) -> StoredContacts:
    rows = [
        PointRow(
            p.id,
            p.kind,
            p.value,
            p.timezone,
            p.role,
            p.label,
            p.bad,
            p.opted_out,
            list(p.opted_out_channels or []),
            p.consent_autodialer,
            p.consent_sms,
        )  # fmt: skip
        for p in points
    ]
    return StoredContacts(
        rows, cease=account.cease_communication_at is not None,
        attorney_allows=account.attorney_allows_contact_at is not None,
    )  # fmt: skip
