"""The work queue: accounts that need a person now, from the workflows' search attributes and the notes' reminders."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain import workflow_contract as sa
from domain.attention import Attention
from domain.messages import HoldKind
from domain.stages import Stage
from ops.context import OpsContext
from ops.views import WORKFLOW_TYPE_QUERY, checked_member
from store import repository
from store.views import AccountView

REMINDER = "reminder"
"""A note's reminder date has come (the store's notes, not a search attribute)."""
REASONS = (*(a.value for a in Attention), REMINDER)
SORTS = ("balance", "due", "stage")
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

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class QueueFilter:
    stage: str | None
    hold: str | None
    min_balance_cents: int | None

    def admits(self, item: QueueItem) -> bool:
        return (
            (self.stage is None or item.stage == self.stage)
            and (self.hold is None or item.hold == self.hold)
            and (self.min_balance_cents is None or (item.balance_cents or 0) >= self.min_balance_cents)
        )


def queue_filter(stage: str | None, hold: str | None, min_balance_cents: int | None) -> QueueFilter:
    """The filter, each value checked against what it may be (the query is built from checked values only)."""
    if stage is not None:
        checked_member(Stage, stage, "stage")
    if hold is not None:
        checked_member(HoldKind, hold, "hold")
    if min_balance_cents is not None and min_balance_cents < 0:
        raise ValueError(f"the minimum balance must not be negative, got {min_balance_cents} cents")
    return QueueFilter(stage, hold, min_balance_cents)


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
    reasons: list[str] | None = None,
    sort: str = "balance",
    today: date,
    limit: int | None = None,
) -> list[QueueItem]:
    """The accounts needing a person, sorted (`balance` largest first, `due` oldest first, `stage`), at most `limit`.

    Running workflows answer through their NeedsAttention search attribute; reminders come from the
    notes due `today` or earlier, on accounts not closed (stage, balance and hold then from the store).
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of: {', '.join(SORTS)}")
    only, wanted = queue_filter(stage, hold, min_balance_cents), checked_reasons(reasons)
    items: dict[str, QueueItem] = {}
    attention = [reason for reason in wanted if reason != REMINDER]
    if attention:
        async for execution in ctx.client.list_workflows(attention_query(attention, only)):
            item = _from_search_attributes(execution.id.removeprefix("account-"), execution.typed_search_attributes)
            item.reasons = [reason for reason in item.reasons if reason in attention]
            item.days_past_due = _days_past_due(item.due_date, today)
            items[item.account_id] = item
    if REMINDER in wanted:
        await _add_reminders(ctx, items, only, today)
    return sort_queue(list(items.values()), sort)[:limit]


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


async def _add_reminders(ctx: OpsContext, items: dict[str, QueueItem], only: QueueFilter, today: date) -> None:
    async with ctx.sessions() as session:
        due = await repository.reminders_due(session, today)
        accounts = await repository.get_accounts(session, sorted({note.account_id for note in due}))
        holds = {
            account_id: [h.kind for h in await repository.holds_for(session, account_id) if h.released_at is None]
            for account_id in accounts
            if account_id not in items
        }
    for note in due:
        account = accounts.get(note.account_id)
        if account is None or (account.stage is not None and account.stage.is_terminal):
            continue
        item = items.get(note.account_id)
        if item is None:
            item = _from_store(account, holds.get(account.account_id) or [], today)
            if not only.admits(item):
                continue
            items[item.account_id] = item
        if REMINDER not in item.reasons:
            item.reasons.append(REMINDER)
        item.reminders.append(note.text)


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
    """`balance`: largest first; `due`: oldest due date first; `stage`: in stage order, then largest balance."""
    by_balance = sorted(items, key=lambda i: (-(i.balance_cents or 0), i.account_id))
    if sort == "due":
        return sorted(by_balance, key=lambda i: i.due_date or date.max)
    if sort == "stage":
        return sorted(by_balance, key=lambda i: _STAGE_ORDER.get(i.stage or "", len(_STAGE_ORDER)))
    return by_balance
