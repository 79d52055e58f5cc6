"""Creditor changes, as the CLI and the web API enter them: new charges, credits, the creditor's recall.

Each is checked here by the domain's own function (the workflow checks it again), then sent to the account's
workflow, which records it once per the creditor's reference and audits it under the person who entered it.
A credit that writes the balance down (a contractual allowance, an adjustment) is under the same authority as
any write-down (domain.authority.needs_approval with WRITE_DOWN_LIMIT): beyond it, a supervisor enters it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from domain import authority, referral, validation
from domain.creditor_messages import WRITE_DOWN_CREDITS, ChargeInput, CreditInput, CreditorRecallInput
from domain.money import format_cents
from ops.account_workflows import _signal_with_start, refuse, require_open_account, send_running
from ops.applied import POLL_SECONDS, balance_and_stage
from ops.context import OpsContext
from ops.errors import NotAllowed
from service.tokens import Caller
from store import creditor, repository
from store.views import AccountView


def itemization_date(account: AccountView) -> date:
    """The validation notice's itemization date (channels/letters.py): the one loaded, else the due date."""
    return account.itemization_date or account.due_date


async def send_charge(ctx: OpsContext, account_id: str, charge: ChargeInput, *, wait: float | None = None) -> str:
    """Send the creditor's new charge; a reference already on the account is reported, not sent again."""
    refuse(validation.charge_problem(charge, datetime.now(UTC).date(), maximum_cents=ctx.settings.max_payment_cents))
    account = await require_open_account(ctx, account_id)
    if duplicate := await _duplicate(ctx, account_id, charge.reference):
        return duplicate
    await _signal_with_start(ctx, account, "post_charge", charge)
    amount = format_cents(charge.amount_cents, account.currency)
    sent = f"charge {charge.reference} of {amount} (service {charge.service_date}) sent to account {account_id}"
    since = itemization_date(account)
    if date.fromisoformat(charge.service_date) > since:
        sent = (
            f"{sent}; a new debt (service after the itemization date {since.isoformat()}): it is not in the "
            "validation notice's itemization and needs validation information of its own (1006.34(a)(1))"
        )
    return await _waited(ctx, account_id, charge.reference, sent, wait)


async def send_credit(
    ctx: OpsContext, account_id: str, credit: CreditInput, requester: Caller, *, wait: float | None = None
) -> str:
    """Send the creditor's credit as `requester`: a write-down beyond their authority is refused (a supervisor
    enters it); an insurance payment is money received, like a payment, and is not a write-down."""
    refuse(validation.credit_problem(credit, maximum_cents=ctx.settings.max_payment_cents))
    account = await require_open_account(ctx, account_id)
    if duplicate := await _duplicate(ctx, account_id, credit.reference):
        return duplicate
    amount = format_cents(credit.amount_cents, account.currency)
    limit = ctx.settings.write_down_limit_cents
    if credit.kind in WRITE_DOWN_CREDITS and authority.needs_approval(requester.role, credit.amount_cents, limit):
        raise NotAllowed(
            f"{credit.kind.value.replace('_', ' ')} of {amount} is a write-down over the limit of "
            f"{format_cents(limit, account.currency)} for {requester.name} ({requester.role}): "
            "a supervisor enters it; nothing changed"
        )
    await _signal_with_start(ctx, account, "post_credit", credit)
    what = credit.kind.value.replace("_", " ")
    sent = f"{what} credit {credit.reference} of {amount} sent to account {account_id}"
    if credit.amount_cents > account.balance_cents:
        over = format_cents(credit.amount_cents - account.balance_cents, account.currency)
        sent = f"{sent}; it exceeds the balance: {over} credit balance to refund"
    return await _waited(ctx, account_id, credit.reference, sent, wait)


async def send_creditor_recall(ctx: OpsContext, account_id: str, recall: CreditorRecallInput) -> str:
    """The creditor takes the account back: its running workflow recalls any agency placement, stops contact
    and ends the account `recalled`. Sent to the running workflow only (a start would contact first)."""
    refuse(validation.creditor_recall_problem(recall.reason))
    await require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        placements = await repository.placements_for(session, account_id)
    active = next((p for p in placements if p.status == "placed" and p.agency_id != referral.INTERNAL_DESK), None)
    await send_running(ctx, account_id, "creditor_recall", recall)
    recalled = f"; placement #{active.placement_no} with {active.agency_id} is recalled" if active else ""
    return f"creditor recall sent to account {account_id}: contact stops, the account ends recalled{recalled}"


async def _duplicate(ctx: OpsContext, account_id: str, reference: str) -> str | None:
    async with ctx.sessions() as session:
        found = await creditor.creditor_entry(session, account_id, reference)
    if found is None:
        return None
    day = found.recorded_at.date().isoformat()
    return f"duplicate: the creditor's {found.kind} {reference} was already recorded on {day}; nothing changed"


async def _waited(ctx: OpsContext, account_id: str, reference: str, sent: str, wait: float | None) -> str:
    """With `wait` (seconds): until the workflow has recorded `reference`, then the new balance and stage."""
    if wait is None:
        return sent
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        async with ctx.sessions() as session:
            found = await creditor.creditor_entry(session, account_id, reference)
            account = await repository.get_account(session, account_id)
        settled = account is not None and (account.balance_cents > 0 or (account.stage and account.stage.is_terminal))
        if found is not None and account is not None and settled:
            return f"{sent}; applied: {balance_and_stage(account)}"
        if loop.time() >= deadline:
            return f"{sent}; not applied within {wait:g} s (is a worker running?): `status {account_id}` shows when"
        await asyncio.sleep(POLL_SECONDS)
