"""The work queue: accounts that need a person now, from the workflows' search attributes, the notes' reminders
and the promises due today; each with its segment, creditor, priority (domain/queue_priority.py) and who has
taken it ("next account", ops/claims.py). The CLI, the API and the pages all read it here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from domain import workflow_contract as sa
from domain.attention import Attention
from domain.disclosure import shown_creditor
from domain.messages import HoldKind
from domain.queue_priority import PROMISE_DUE, REMINDER, Weights, score
from domain.stages import Stage
from ops.context import OpsContext
from ops.views import WORKFLOW_TYPE_QUERY, checked_member
from store import repository
from store.views import AccountClaimView, AccountView

STORE_REASONS = (REMINDER, PROMISE_DUE)
"""Reasons the store knows (not the workflows' search attribute)."""
REASONS = (*(a.value for a in Attention), *STORE_REASONS)
SORTS = ("priority", "balance", "due", "stage")
APPROVAL_DECIDED = "request.approval"
"""The audit entry of a proposal approved or declined (API, CLI and pages alike)."""
NAME_LIMIT = 200
_STAGE_ORDER = {stage.value: number for number, stage in enumerate(Stage)}


@dataclass
class QueueItem:
    account_id: str
    reasons: list[str]
    stage: str | None
    balance_cents: int | None
    hold: str | None
    due_date: date | None
    days_past_due: int | None
    reminders: list[str] = field(default_factory=list)
    """The texts of the notes whose reminder is due."""
    segment: str | None = None
    creditor: str | None = None
    """As loaded until `ops.disclosed.queue_for` shows it as the caller's role may see it."""
    medical: bool = False
    approval_answered: bool = False
    """A proposal on the account was approved or declined since it was last taken from the queue."""
    priority: int = 0
    taken_by: str | None = None
    """The collector who holds the account now (ops/claims.py), and until when."""
    taken_until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        found = dataclasses.asdict(self)
        del found["medical"]
        return found

    @property
    def creditor_key(self) -> str | None:
        """The creditor the filter matches: a medical creditor by its billing name, for every role."""
        return None if self.creditor is None else shown_creditor(self.creditor, self.medical)


@dataclass(frozen=True)
class QueueFilter:
    stage: str | None
    hold: str | None
    min_balance_cents: int | None
    segment: str | None = None
    creditor: str | None = None
    """A medical creditor by its billing name (`QueueItem.creditor_key`)."""

    def admits(self, item: QueueItem) -> bool:
        return (
            (self.stage is None or item.stage == self.stage)
            and (self.hold is None or item.hold == self.hold)
            and (self.min_balance_cents is None or (item.balance_cents or 0) >= self.min_balance_cents)
            and (self.segment is None or item.segment == self.segment)
            and (self.creditor is None or item.creditor_key == self.creditor)
        )


def queue_filter(
    stage: str | None, hold: str | None, min_balance_cents: int | None, segment: str | None = None,
    creditor: str | None = None,
) -> QueueFilter:  # fmt: skip
    """The filter, each value checked against what it may be (the query is built from checked values only;
    segment and creditor are matched against the store's accounts, never put in a query)."""
    if stage is not None:
        checked_member(Stage, stage, "stage")
    if hold is not None:
        checked_member(HoldKind, hold, "hold")
    if min_balance_cents is not None and min_balance_cents < 0:
        raise ValueError(f"the minimum balance must not be negative, got {min_balance_cents} cents")
    for what, value in (("segment", segment), ("creditor", creditor)):
        if value is not None and not (0 < len(value) <= NAME_LIMIT and value.isprintable()):
            raise ValueError(f"a {what} is 1 to {NAME_LIMIT} printable characters")
    return QueueFilter(stage, hold, min_balance_cents, segment, creditor)


@dataclass(frozen=True)
class Filters:
    """What a person asks the queue for (CLI options, API query, the page's form); '' is not given."""

    stage: str | None = None
    hold: str | None = None
    segment: str | None = None
    creditor: str | None = None
    reason: str | None = None
    min_balance_cents: int | None = None

    @classmethod
    def given(cls, **values: str | int | None) -> Filters:
        return cls(**{name: None if value == "" else value for name, value in values.items()})  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in dataclasses.asdict(self).items() if value is not None}


async def filtered_queue(
    ctx: OpsContext, filters: Filters, *, today: date, now: datetime | None = None, sort: str = "priority",
    limit: int | None = None,
) -> list[QueueItem]:  # fmt: skip
    """`work_queue` with a person's filters."""
    return await work_queue(
        ctx, stage=filters.stage, hold=filters.hold, min_balance_cents=filters.min_balance_cents,
        segment=filters.segment, creditor=filters.creditor, reasons=[filters.reason] if filters.reason else None,
        sort=sort, today=today, now=now, limit=limit,
    )  # fmt: skip


def checked_reasons(reasons: list[str] | None) -> list[str]:
    if not reasons:
        return list(REASONS)
    for reason in reasons:
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}; one of: {', '.join(REASONS)}")
    return [reason for reason in REASONS if reason in reasons]


def attention_query(reasons: list[str], only: QueueFilter) -> str:
    """The visibility query for running accounts that need a person for one of `reasons` and pass the filter."""
    listed = ", ".join(f"'{reason}'" for reason in reasons)
    clauses = [WORKFLOW_TYPE_QUERY, "ExecutionStatus = 'Running'", f"{sa.NEEDS_ATTENTION.name} IN ({listed})"]
    if only.stage is not None:
        clauses.append(f"{sa.STAGE.name} = '{only.stage}'")
    if only.hold is not None:
        clauses.append(f"{sa.HOLD_KIND.name} = '{only.hold}'")
    if only.min_balance_cents is not None:
        clauses.append(f"{sa.BALANCE_CENTS.name} >= {int(only.min_balance_cents)}")
    return " AND ".join(clauses)


async def work_queue(
    ctx: OpsContext,
    *,
    stage: str | None = None,
    hold: str | None = None,
    min_balance_cents: int | None = None,
    segment: str | None = None,
    creditor: str | None = None,
    reasons: list[str] | None = None,
    sort: str = "priority",
    today: date,
    now: datetime | None = None,
    limit: int | None = None,
) -> list[QueueItem]:
    """The accounts needing a person, sorted (`priority` highest first, `balance` largest first, `due` oldest
    first, `stage`), at most `limit`; claims are read as they stand at `now` (default: the clock).

    Running workflows answer through their NeedsAttention search attribute; reminders come from the notes
    due `today` or earlier and promises from the open ones due `today`, on accounts not closed (stage,
    balance and hold then from the store). Segment, creditor, claims and decided approvals: the store.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of: {', '.join(SORTS)}")
    only, wanted = queue_filter(stage, hold, min_balance_cents, segment, creditor), checked_reasons(reasons)
    items: dict[str, QueueItem] = {}
    attention = [reason for reason in wanted if reason not in STORE_REASONS]
    if attention:
        async for execution in ctx.client.list_workflows(attention_query(attention, only)):
            item = _from_search_attributes(execution.id.removeprefix("account-"), execution.typed_search_attributes)
            item.reasons = [reason for reason in item.reasons if reason in attention]
            item.days_past_due = _days_past_due(item.due_date, today)
            items[item.account_id] = item
    found = await _from_the_store(ctx, items, wanted, today)
    _mark(found, now or datetime.now(UTC), ctx.settings.priority_weights)
    return sort_queue([item for item in found if only.admits(item)], sort)[:limit]


@dataclass
class _Known:
    """What the store adds to the queue, read in one session."""

    due: dict[str, list[str]]
    """Store reasons by account; the reminders' texts in `notes`."""
    notes: dict[str, list[str]]
    accounts: dict[str, AccountView]
    holds: dict[str, list[str]]
    claims: dict[str, AccountClaimView]
    decided: dict[str, datetime]


async def _from_the_store(
    ctx: OpsContext, items: dict[str, QueueItem], wanted: list[str], today: date
) -> list[QueueItem]:
    """`items` and the accounts the store brings (reminders, promises due), with what the store knows of them."""
    known = await _read_store(ctx, items, wanted, today)
    for account_id, reasons in known.due.items():
        account = known.accounts.get(account_id)
        if account is None or (account.stage is not None and account.stage.is_terminal):
            continue
        item = items.get(account_id)
        if item is None:
            item = items[account_id] = _from_store(account, known.holds.get(account_id) or [], today)
        item.reasons += [reason for reason in reasons if reason not in item.reasons]
        item.reminders += known.notes.get(account_id, [])
    for item in items.values():
        account = known.accounts.get(item.account_id)
        if account is not None:
            item.segment, item.creditor, item.medical = account.segment, account.creditor, account.medical
        claim, decided = known.claims.get(item.account_id), known.decided.get(item.account_id)
        item.approval_answered = decided is not None and (claim is None or decided > claim.claimed_at)
        if claim is not None:
            item.taken_by, item.taken_until = claim.collector, claim.expires_at
    return list(items.values())


async def _read_store(ctx: OpsContext, items: dict[str, QueueItem], wanted: list[str], today: date) -> _Known:
    due: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}
    async with ctx.sessions() as session:
        if REMINDER in wanted:
            for note in await repository.reminders_due(session, today):
                due.setdefault(note.account_id, []).append(REMINDER)
                notes.setdefault(note.account_id, []).append(note.text)
        if PROMISE_DUE in wanted:
            for promise in await repository.promises_due(session, today):
                due.setdefault(promise.account_id, []).append(PROMISE_DUE)
        ids = sorted(set(items) | set(due))
        accounts = await repository.get_accounts(session, ids)
        holds = {
            account_id: [h.kind for h in await repository.holds_for(session, account_id) if h.released_at is None]
            for account_id in sorted(set(due) - set(items))
            if account_id in accounts
        }
        claims = await repository.account_claims(session, ids)
        decided = await repository.latest_action(session, ids, APPROVAL_DECIDED)
    return _Known(
        {k: sorted(set(v), key=REASONS.index) for k, v in due.items()}, notes, accounts, holds, claims, decided
    )


def _mark(items: list[QueueItem], now: datetime, weights: Weights) -> None:
    """Each item's priority, and its claim only while someone holds it."""
    for item in items:
        item.priority = score(item, weights)
        if item.taken_until is not None and item.taken_until <= now:
            item.taken_by = item.taken_until = None


def _from_search_attributes(account_id: str, attributes: Any) -> QueueItem:
    due = attributes.get(sa.DUE_DATE)
    return QueueItem(
        account_id=account_id,
        reasons=list(attributes.get(sa.NEEDS_ATTENTION) or []),
        stage=attributes.get(sa.STAGE),
        balance_cents=attributes.get(sa.BALANCE_CENTS),
        hold=attributes.get(sa.HOLD_KIND) or None,
        due_date=due.date() if due else None,
        days_past_due=None,
    )


def _from_store(account: AccountView, open_holds: list[str], today: date) -> QueueItem:
    return QueueItem(
        account_id=account.account_id,
        reasons=[],
        stage=account.stage.value if account.stage else None,
        balance_cents=account.balance_cents,
        hold=open_holds[-1] if open_holds else None,
        due_date=account.due_date,
        days_past_due=_days_past_due(account.due_date, today),
    )


def _days_past_due(due: date | None, today: date) -> int | None:
    return None if due is None else max(0, (today - due).days)


def sort_queue(items: list[QueueItem], sort: str) -> list[QueueItem]:
    """`priority`: highest first, then largest balance; `balance`: largest first; `due`: oldest due date
    first; `stage`: in stage order, then largest balance."""
    by_balance = sorted(items, key=lambda i: (-(i.balance_cents or 0), i.account_id))
    if sort == "priority":
        return sorted(by_balance, key=lambda i: -i.priority)
    if sort == "due":
        return sorted(by_balance, key=lambda i: i.due_date or date.max)
    if sort == "stage":
        return sorted(by_balance, key=lambda i: _STAGE_ORDER.get(i.stage or "", len(_STAGE_ORDER)))
    return by_balance
