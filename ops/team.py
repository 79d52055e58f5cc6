"""The team's day, for the desk's team view: per person, the accounts they worked, the promises they took (and
how many of those have been kept since), the payments they took; and the contacts the gate blocked, by rule.

A day is a UTC day: the engine keeps no portfolio time zone. A person worked an account when they made any
write request on it that day (a `request.*` audit entry: ops.requests.perform_write writes one for every
web, desk and CLI write). Promises and payments taken are their `request.promise` and `request.payment`
entries (a replayed request is the same one, counted once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.plan_messages import PromiseStatus
from ops.context import OpsContext
from store import team as store
from store.views import AuditEntryView, PromiseView

PROMISE_SLACK = timedelta(minutes=10)
"""A promise the workflow recorded this long before the request's audit entry still belongs to it (the entry
is written once the promise was sent, and the workflow may record it first)."""


@dataclass(frozen=True)
class CollectorDay:
    name: str
    role: str
    accounts_worked: int
    promises_taken: int
    promises_kept: int
    """Of the promises taken that day, those kept since."""
    payments_taken: int
    payments_cents: int


@dataclass(frozen=True)
class Blocked:
    rule: str
    channel: str
    count: int


@dataclass(frozen=True)
class TeamDay:
    day: date
    collectors: list[CollectorDay]
    blocked: list[Blocked]
    """Attempts the compliance gate blocked that day, by rule (most first)."""


def utc_day(day: date) -> tuple[datetime, datetime]:
    """The UTC day's first moment and the next day's."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


async def team_day(ctx: OpsContext, day: date) -> TeamDay:
    start, end = utc_day(day)
    async with ctx.sessions() as session:
        requests = await store.requests_between(session, start, end)
        promised = {e.account_id for e in requests if e.action == "request.promise"}
        promises = await store.promises_of(session, sorted(promised))
        blocked = await store.blocked_between(session, start, end)
    ranked = sorted(blocked, key=lambda b: (-b[2], b[0], b[1]))
    return TeamDay(day, collector_days(requests, promises), [Blocked(*found) for found in ranked])


def collector_days(requests: Sequence[AuditEntryView], promises: Sequence[PromiseView]) -> list[CollectorDay]:
    """One row per person with a write request among `requests`, by name (pure).

    A `request.promise` is matched to the account's promise of the same amount and due date recorded at
    or after it (less PROMISE_SLACK), each promise to one request: kept when that promise's status is."""
    worked: dict[str, set[str]] = defaultdict(set)
    roles: dict[str, str] = {}
    taken: dict[str, list[PromiseView | None]] = defaultdict(list)
    payments: dict[str, list[int]] = defaultdict(list)
    claimed: set[tuple[str, int]] = set()
    for entry in requests:
        worked[entry.actor].add(entry.account_id)
        roles[entry.actor] = str(entry.detail.get("role") or roles.get(entry.actor, ""))
        if entry.detail.get("replay"):
            continue
        if entry.action == "request.promise":
            found = _promise_of(entry, promises, claimed)
            taken[entry.actor].append(found)
        elif entry.action == "request.payment":
            payments[entry.actor].append(int(entry.detail.get("amount_cents") or 0))
    return [
        CollectorDay(
            name=name, role=roles[name], accounts_worked=len(worked[name]),
            promises_taken=len(taken[name]),
            promises_kept=sum(1 for p in taken[name] if p is not None and p.status == PromiseStatus.KEPT),
            payments_taken=len(payments[name]), payments_cents=sum(payments[name]),
        )
        for name in sorted(worked)
    ]  # fmt: skip


def _promise_of(
    entry: AuditEntryView, promises: Sequence[PromiseView], claimed: set[tuple[str, int]]
) -> PromiseView | None:
    """The first promise not yet claimed that this request made, or None (not recorded, or refused)."""
    due, cents = str(entry.detail.get("due_date") or ""), entry.detail.get("amount_cents")
    for promise in promises:
        key = (promise.account_id, promise.promise_no)
        if (
            key not in claimed
            and promise.account_id == entry.account_id
            and (promise.amount_cents, promise.due_date.isoformat()) == (cents, due)
            and promise.made_at >= entry.at - PROMISE_SLACK
        ):
            claimed.add(key)
            return promise
    return None
