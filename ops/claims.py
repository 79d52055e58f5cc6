""" "Next account": the waiting account with the highest priority that nobody else holds, taken by the
collector who asks for QUEUE_CLAIM_MINUTES, so that two collectors never work the same account at once.

The store decides who gets an account (store/claims.py); the request goes through `perform_write` like every
write (a form sent twice takes one account), and the claim is in the account's audit log by the collector.
A collector holds one account at a time: taking the next one ends the claim on the one before, so "next"
moves on (the account held comes back only when nothing else is free; its own link reopens it meanwhile).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.attention import Attention
from ops.context import OpsContext
from ops.errors import OpsError
from ops.queue import Filters, QueueItem, filtered_queue
from ops.requests import Written, perform_write
from service.tokens import Caller, Permission
from store import repository


class NothingWaiting(OpsError):
    """No waiting account is free for the collector (HTTP 404)."""


async def next_account(ctx: OpsContext, collector: Caller, filters: Filters, now: datetime) -> QueueItem:
    """Claim the first waiting account (by priority) not held by someone else; the item, taken.

    An account waiting only for a supervisor's approval is skipped for a collector who may not approve.
    NothingWaiting when none is left; nothing changed then.
    """
    items = await filtered_queue(ctx, filters, today=now.date(), now=now)
    free = [item for item in items if item.taken_by in (None, collector.name) and _actionable(item, collector)]
    free.sort(key=lambda item: item.taken_by == collector.name)  # "next" moves on: the one held only if alone
    until = now + timedelta(minutes=ctx.settings.queue_claim_minutes)
    async with ctx.sessions() as session, session.begin():
        taken = await repository.claim_first(
            session, [item.account_id for item in free], collector=collector.name, now=now, until=until
        )
    if taken is None:
        held = f": the {len(items)} waiting are taken by others" if items else ""
        raise NothingWaiting(f"nothing waiting{held}; nothing changed")
    item = next(item for item in free if item.account_id == taken)
    item.taken_by, item.taken_until = collector.name, until
    return item


def _actionable(item: QueueItem, collector: Caller) -> bool:
    return collector.may(Permission.APPROVE) or item.reasons != [Attention.APPROVAL.value]


async def take_next(
    ctx: OpsContext, collector: Caller, filters: Filters, *, now: datetime, key: str | None
) -> dict[str, str]:
    """`next_account` as a write request (once per `key`): {"account_id", "until", "result", "by"}."""

    async def write() -> Written:
        item = await next_account(ctx, collector, filters, now)
        assert item.taken_until is not None
        until = item.taken_until.isoformat()
        result = f"took {item.account_id} until {item.taken_until:%H:%M} UTC"
        answer = {"account_id": item.account_id, "until": until, "result": result, "by": collector.name}
        return Written(result, {"until": until, **filters.as_dict()}, answer=answer, audited=(item.account_id,))

    done = await perform_write(
        ctx, actor=collector.name, role=collector.role, action="queue_next", account_id="", body=filters.as_dict(),
        key=key, write=write,
    )  # fmt: skip
    return {name: str(value) for name, value in done.body.items()}


async def release(ctx: OpsContext, collector: Caller, account_id: str, *, now: datetime, key: str | None) -> str:
    """End the collector's claim on the account (free for anyone at once); a one-line refusal when they hold none."""

    async def write() -> Written:
        async with ctx.sessions() as session, session.begin():
            released = await repository.release_claim(session, account_id, collector=collector.name, now=now)
        if not released:
            raise OpsError(f"{collector.name} has not taken account {account_id}; nothing changed")
        return Written(f"released {account_id}")

    done = await perform_write(
        ctx, actor=collector.name, role=collector.role, action="queue_release", account_id=account_id, body={},
        key=key, write=write,
    )  # fmt: skip
    return str(done.body["result"])
