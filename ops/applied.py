"""`--wait`: after an event is sent, wait until the account's workflow has applied it and say what it changed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.service import RPCError

from domain.money import format_cents
from domain.workflow_contract import workflow_id_for
from ops.context import OpsContext
from store import repository
from store.views import AccountView

WAIT_SECONDS = 30.0
"""How long `--wait` waits for the workflow (and so a worker) before saying it has not applied the event yet."""
POLL_SECONDS = 0.2


def _settled(account: AccountView) -> bool:
    """The store's stage follows its balance: a balance at or below zero ends the account (the workflow writes
    the balance with the payment, the stage a moment later)."""
    return account.balance_cents > 0 or (account.stage is not None and account.stage.is_terminal)


def balance_and_stage(account: AccountView) -> str:
    """'balance $40.00, stage on plan' (a stage in words, as `status` shows it)."""
    stage = "not started" if account.stage is None else account.stage.value.replace("_", " ")
    return f"balance {format_cents(account.balance_cents, account.currency)}, stage {stage}"


async def payment_applied(ctx: OpsContext, account_id: str, reference: str, *, timeout: float = WAIT_SECONDS) -> str:
    """Wait until the workflow has recorded payment `reference` on the account and the account's stage follows
    its new balance; 'applied: <balance and stage>', or after `timeout` seconds a line saying it is not yet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with ctx.sessions() as session:
            recorded = await repository.payment_by_reference(session, reference)
            account = await repository.get_account(session, account_id)
        if recorded is not None and recorded.account_id == account_id and account is not None and _settled(account):
            return f"applied: {balance_and_stage(account)}"
        if loop.time() >= deadline:
            return f"not applied within {timeout:g} s (is a worker running?): `status {account_id}` shows when it is"
        await asyncio.sleep(POLL_SECONDS)


QUIET_SECONDS = 5.0
"""How long the desk waits for an account's workflow to finish what an event started before showing the page."""


async def workflow_quiet(ctx: OpsContext, account_id: str, *, timeout: float = QUIET_SECONDS) -> bool:
    """Wait until the account's workflow has no workflow task and no activity pending (what the last event
    started is done, so the page shows its result); False after `timeout` (the page then shows what is known)."""
    handle = ctx.client.get_workflow_handle(workflow_id_for(account_id))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            described = (await handle.describe(rpc_timeout=timedelta(seconds=timeout))).raw_description
        except RPCError:
            return False
        if not described.HasField("pending_workflow_task") and not described.pending_activities:
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(POLL_SECONDS / 2)
