"""The suspense queue and the refunds list: posted money no account took, until a person decides.

An item is applied to an account as one payment is (ops.account_workflows.send_payment: the same checks,
its bank item reference as the payment's reference, so it counts once), or marked to be refunded (a
supervisor's decision: money leaves). Either way the item keeps who decided, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.messages import PaymentInput
from ops import account_workflows
from ops.context import OpsContext
from ops.errors import OpsError
from store import posting
from store.posting import CreditBalance, SuspenseView


@dataclass(frozen=True)
class Refunds:
    credits: list[CreditBalance]
    """Accounts paid past their balance."""
    items: list[SuspenseView]
    """Suspense items decided to be refunded."""


async def items(ctx: OpsContext, *, everything: bool = False) -> list[SuspenseView]:
    """The open items, oldest first (every item, resolved too, with `everything`)."""
    async with ctx.sessions() as session:
        return await posting.suspense_items(session, status=None if everything else "open")


async def postings(ctx: OpsContext) -> list[posting.PostingView]:
    async with ctx.sessions() as session:
        return await posting.postings(session)


async def open_item(ctx: OpsContext, item_id: int) -> SuspenseView:
    async with ctx.sessions() as session:
        item = await posting.suspense_item(session, item_id)
    if item is None:
        raise OpsError(f"no suspense item {item_id}: see `payments suspense`")
    if item.status != "open":
        raise OpsError(f"suspense item {item_id} was already resolved ({_resolution(item)}): nothing changed")
    return item


async def apply_item(ctx: OpsContext, item_id: int, account_id: str, *, actor: str, note: str = "") -> str:
    """Apply an open item to `account_id` as a payment under the item's reference; then mark it applied."""
    item = await open_item(ctx, item_id)
    payment = PaymentInput(item.amount_cents, item.item_reference, item.received_on.isoformat())
    sent = await account_workflows.send_payment(ctx, account_id, payment)
    async with ctx.sessions() as session, session.begin():
        done = await posting.resolve_suspense(
            session, item_id, status="applied", account_id=account_id, actor=actor, note=note, now=datetime.now(UTC)
        )
    if not done:  # another person resolved it while this payment went out: the reference still counts it once
        return f"{sent}; suspense item {item_id} had been resolved meanwhile by someone else: check `payments suspense`"
    return f"suspense item {item_id} applied: {sent}"


async def refund_item(ctx: OpsContext, item_id: int, *, actor: str, reason: str) -> str:
    if not reason.strip():
        raise OpsError("a refund needs a reason (--reason): nothing changed")
    await open_item(ctx, item_id)
    async with ctx.sessions() as session, session.begin():
        done = await posting.resolve_suspense(
            session, item_id, status="refund", account_id=None, actor=actor, note=reason.strip()[:300],
            now=datetime.now(UTC),
        )  # fmt: skip
    if not done:
        raise OpsError(f"suspense item {item_id} was resolved meanwhile: nothing changed")
    return f"suspense item {item_id} marked to be refunded by {actor}: it is on `payments refunds`"


async def refunds(ctx: OpsContext) -> Refunds:
    async with ctx.sessions() as session:
        return Refunds(await posting.credit_balances(session), await posting.suspense_items(session, status="refund"))


def _resolution(item: SuspenseView) -> str:
    to = f" to {item.resolved_account_id}" if item.resolved_account_id else ""
    when = item.resolved_at.date().isoformat() if item.resolved_at else "?"
    return f"{item.status}{to} by {item.resolved_by} on {when}"
