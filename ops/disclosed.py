"""Reads of personal data for a caller: what the caller's role may see (`domain.disclosure`), each view audited.

Every view of an account is an audit entry `view.<what>` (who, role, which account, when) in that account's
log: one short INSERT after the read, never a write lock held over the read itself. A list of accounts
(ids, stages, balances, due dates) holds no personal data and is not logged; the work queue is logged
for each account whose note reminders it shows (one INSERT for them all).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.disclosure import (
    WITHHELD,
    disclose_account,
    disclose_name,
    disclose_picture,
    disclose_reminders,
    disclose_status,
    shown_creditor,
)
from ops import views
from ops.account_view import account_picture
from ops.context import OpsContext
from ops.queue import QueueItem
from store import repository
from store.audit import append_views
from store.posting import SuspenseView


async def record_views(ctx: OpsContext, account_ids: Sequence[str], *, actor: str, role: str, view: str) -> None:
    """Append `view.<view>` by `actor` to each account's audit log."""
    if not account_ids:
        return
    async with ctx.sessions() as session, session.begin():
        await append_views(
            session, list(account_ids), action=f"view.{view}", detail={"role": str(role)}, actor=actor,
            now=datetime.now(UTC),
        )  # fmt: skip


async def status_for(ctx: OpsContext, account_id: str, *, actor: str, role: str, view: str) -> dict[str, Any]:
    """The account's status as `role` may see it; the view is audited."""
    status = await views.account_status(ctx, account_id)
    await record_views(ctx, [account_id], actor=actor, role=role, view=view)
    return disclose_status(status, role)


async def picture_for(
    ctx: OpsContext, account_id: str, *, actor: str, role: str, view: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the full picture, the picture as `role` may see it); the view is audited. The full one is for
    what is computed rather than shown (time zones from a phone's area code), never for display."""
    full = await account_picture(ctx, account_id)
    await record_views(ctx, [account_id], actor=actor, role=role, view=view)
    return full, disclose_picture(full, role)


async def queue_for(ctx: OpsContext, items: list[QueueItem], *, actor: str, role: str, view: str) -> list[QueueItem]:
    """The queue with its reminders and creditors as `role` may see them; each account whose reminder text is
    shown is audited."""
    for item in items:
        item.reminders = disclose_reminders(item.reminders, role)
        if item.creditor is not None:
            item.creditor = shown_creditor(item.creditor, item.medical, role)
    shown = [item.account_id for item in items if any(text != WITHHELD for text in item.reminders)]
    await record_views(ctx, shown, actor=actor, role=role, view=view)
    return items


async def accounts_for(
    ctx: OpsContext, account_ids: Sequence[str], *, actor: str, role: str, view: str
) -> dict[str, dict[str, Any]]:
    """The accounts' records (debtor name, address, creditor) as `role` may see them, by id (unknown ids
    absent); each account shown is audited."""
    async with ctx.sessions() as session:
        found = await repository.get_accounts(session, list(account_ids))
    await record_views(ctx, list(found), actor=actor, role=role, view=view)
    return {account_id: disclose_account(dataclasses.asdict(account), role) for account_id, account in found.items()}


def suspense_for(items: Sequence[SuspenseView], role: str) -> list[SuspenseView]:
    """Suspense items with the payer's name as `role` may see it (a payer is not yet any account's debtor)."""
    return [dataclasses.replace(item, payer=disclose_name(item.payer, role)) for item in items]
