"""`payments post FILE`: a day's payment file onto the book, item by item, once.

The file is read twice, streamed: first whole, to check it (a file whose control totals disagree with its
items is refused whole, nothing posted), then in chunks of CHUNK items. Each item is matched by the account
number, then by the remittance reference (our letters print the account number as the reference); a payer's
name is never enough. An item the book has already (a payment under its reference, or an item in suspense)
is a duplicate; an item that matches no account, a closed account, or that the payment rules refuse
(domain.validation.payment_problem, as for one payment) goes to the suspense queue with its file and line,
for a person to apply or refund (`payments resolve`). The rest are sent to their accounts' workflows, each
with a `payment.posted` audit entry naming who posted it, from which file and line.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from domain import validation
from domain.messages import PaymentInput
from ops import account_workflows
from ops.context import OpsContext
from ops.errors import OpsError
from ops.payment_files import PaymentFileError, PaymentItem, check_file, payment_items
from store import months, posting, repository
from store.views import AccountView

CHUNK = 500
SEND_AT_ONCE = 32
NO_MATCH = "no account matches"


@dataclass
class PostingReport:
    posting_id: int
    file_name: str
    format: str
    items: int
    total_cents: int
    posted: int = 0
    posted_cents: int = 0
    duplicates: int = 0
    duplicate_cents: int = 0
    resent: int = 0
    """Duplicates sent before and not recorded yet: sent again, applied once (the reference decides)."""
    suspense: int = 0
    suspense_cents: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    """Reason -> items: refused by the payment rules (they wait in suspense too)."""
    unmatched: int = 0
    closed: int = 0
    over_payments: int = 0
    credit_cents: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "refused": dict(self.refused)}


@dataclass(frozen=True)
class Decision:
    item: PaymentItem
    account: AccountView | None
    suspense_reason: str | None = None
    refused: bool = False
    duplicate: bool = False
    resend: bool = False


def account_key(text: str) -> str:
    """An account number as people copy it: case and surrounding spaces don't matter."""
    return text.strip().upper()


def decide(
    item: PaymentItem, accounts: dict[str, AccountView], known: posting.Known, *, today: date, maximum_cents: int,
    closed_months: set[str],
) -> Decision:  # fmt: skip
    """What becomes of one item; pure, given what the book holds."""
    if item.item_reference in known.payments or item.item_reference in known.suspense:
        return Decision(item, None, duplicate=True)
    account = accounts.get(account_key(item.account_number)) or accounts.get(account_key(item.remittance_reference))
    if account is None:
        return Decision(item, None, f"{NO_MATCH} account number {item.account_number!r} or reference "
                                    f"{item.remittance_reference!r}")  # fmt: skip
    if account.stage is not None and account.stage.is_terminal:
        return Decision(item, account, f"account {account.account_id} is closed ({account.stage})")
    problem = validation.payment_problem(
        _payment(item), today, maximum_cents=maximum_cents,
        account_since=min(account.due_date, account.created_at.date()), closed_months=closed_months,
    )  # fmt: skip
    if problem is not None:
        return Decision(item, account, f"refused: {problem}", refused=True)
    return Decision(
        item, account, duplicate=item.item_reference in known.sent, resend=item.item_reference in known.sent
    )


def _payment(item: PaymentItem) -> PaymentInput:
    return PaymentInput(item.amount_cents, item.item_reference, item.received_on.isoformat())


async def post_file(
    ctx: OpsContext, path: Path, *, actor: str, today: date | None = None,
    on_chunk: Callable[[int], None] = lambda _n: None,
) -> PostingReport:  # fmt: skip
    """Post every item of the file at `path` as `actor`; the report of what became of them."""
    if not path.is_file():
        raise OpsError(f"no file {path}: nothing posted")
    try:
        totals = check_file(path)
    except PaymentFileError as err:
        raise OpsError(f"{path.name} refused whole: {err}; nothing posted") from None
    today = today or datetime.now(UTC).date()
    async with ctx.sessions() as session, session.begin():
        posting_id = await posting.start_posting(
            session, file_name=path.name, sha256=_sha256(path), fmt=totals.format, items=totals.items,
            total_cents=totals.total_cents, actor=actor, now=datetime.now(UTC),
        )  # fmt: skip
        closed = await months.closed_months(session)
    report = PostingReport(posting_id, path.name, totals.format, totals.items, totals.total_cents)
    for chunk in _chunks(payment_items(path), CHUNK):
        await _post_chunk(ctx, report, chunk, actor=actor, today=today, closed_months=closed)
        on_chunk(len(chunk))
    async with ctx.sessions() as session, session.begin():
        await posting.finish_posting(
            session, posting_id, now=datetime.now(UTC), posted=report.posted, posted_cents=report.posted_cents,
            duplicates=report.duplicates, suspense=report.suspense, suspense_cents=report.suspense_cents,
        )  # fmt: skip
    return report


async def _post_chunk(
    ctx: OpsContext, report: PostingReport, items: list[PaymentItem], *, actor: str, today: date,
    closed_months: set[str],
) -> None:  # fmt: skip
    given = [k.strip() for i in items for k in (i.account_number, i.remittance_reference) if k.strip()]
    candidates = {*given, *(account_key(k) for k in given)}  # as typed, and as account numbers are kept
    async with ctx.sessions() as session:
        found = await repository.get_accounts(session, sorted(candidates))
        known = await posting.known(session, [i.item_reference for i in items])
    accounts = {account_key(a): view for a, view in found.items()}
    decisions = [
        decide(i, accounts, known, today=today, maximum_cents=ctx.settings.max_payment_cents,
               closed_months=closed_months)
        for i in items
    ]  # fmt: skip
    to_send = [d for d in decisions if d.suspense_reason is None and not (d.duplicate and not d.resend)]
    async with ctx.sessions() as session, session.begin():
        await posting.add_suspense(session, [_suspense_row(report, d) for d in decisions if d.suspense_reason])
        await posting.record_posted(
            session, [_posted_detail(report, d) for d in to_send if not d.resend], actor=actor, now=datetime.now(UTC)
        )
    failed = await _send(ctx, to_send)
    if failed:
        async with ctx.sessions() as session, session.begin():
            await posting.add_suspense(session, [_suspense_row(report, d, reason) for d, reason in failed])
    failed_items = {id(d) for d, _ in failed}
    for d in decisions:
        _count(report, d, failed=id(d) in failed_items)


async def _send(ctx: OpsContext, decisions: list[Decision]) -> list[tuple[Decision, str]]:
    """Send each payment to its account's workflow, SEND_AT_ONCE at a time; the ones refused, with why
    (an account whose workflow ended since it was read)."""
    gate = asyncio.Semaphore(SEND_AT_ONCE)
    failed: list[tuple[Decision, str]] = []

    async def one(d: Decision) -> None:
        assert d.account is not None
        async with gate:
            try:
                await account_workflows.deliver_payment(ctx, d.account, _payment(d.item))
            except OpsError as err:
                failed.append((d, str(err)))

    await asyncio.gather(*(one(d) for d in decisions))
    return failed


def _count(report: PostingReport, d: Decision, *, failed: bool) -> None:
    amount = d.item.amount_cents
    if d.suspense_reason is not None or failed:
        report.suspense += 1
        report.suspense_cents += amount
        if d.refused:
            report.refused[d.suspense_reason.removeprefix("refused: ") if d.suspense_reason else ""] += 1
        elif d.account is None:
            report.unmatched += 1
        else:
            report.closed += 1
    elif d.duplicate:
        report.duplicates += 1
        report.duplicate_cents += amount
        report.resent += d.resend
    else:
        report.posted += 1
        report.posted_cents += amount
        assert d.account is not None
        if amount > d.account.balance_cents:
            report.over_payments += 1
            report.credit_cents += amount - max(d.account.balance_cents, 0)


def _suspense_row(report: PostingReport, d: Decision, reason: str | None = None) -> dict[str, Any]:
    item = d.item
    return {
        "item_reference": item.item_reference, "posting_id": report.posting_id, "file_name": report.file_name,
        "line": item.line, "amount_cents": item.amount_cents, "received_on": item.received_on,
        "account_number": item.account_number[:64], "remittance_reference": item.remittance_reference[:128],
        "payer": item.payer[:128], "reason": (reason or d.suspense_reason or "")[:300], "created_at": datetime.now(UTC),
    }  # fmt: skip


def _posted_detail(report: PostingReport, d: Decision) -> dict[str, Any]:
    assert d.account is not None
    return {
        "account_id": d.account.account_id, "reference": d.item.item_reference, "amount_cents": d.item.amount_cents,
        "file": report.file_name, "line": d.item.line, "posting_id": report.posting_id,
    }  # fmt: skip


def _chunks(items: Iterator[PaymentItem], size: int) -> Iterable[list[PaymentItem]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
