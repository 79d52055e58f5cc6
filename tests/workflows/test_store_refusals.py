"""A payment the store can never record (2^63 cents, 2^63-1 cents) fails its activity once, not forever: the
refusal is in the account's audit log and the account goes on taking payments. Refused by the store's own
ceiling (2^63-1 cents SQLite would take, as a float balance), or, past it, by the driver (2^63 cents)."""

from __future__ import annotations

import uuid

import pytest

from domain.messages import AccountWorkflowInput, PaymentInput
from domain.workflow_contract import workflow_id_for
from store import payments, repository
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually, snapshot_of
from workflows.account import AccountCollectionsWorkflow


@pytest.mark.parametrize(
    ("refused_by", "huge"), [("the store's ceiling", (2**63, 2**63 - 1)), ("the database driver", (2**63,))]
)
async def test_a_payment_the_store_cannot_hold_is_refused_once_and_the_account_goes_on(
    refused_by: str, huge: tuple[int, ...], time_skipping_env, sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    if refused_by == "the database driver":  # past the store's own check: SQLite itself overflows
        monkeypatch.setattr(payments, "CEILING_CENTS", 2**80)
    account_id = f"R{uuid.uuid4().hex[:10]}"
    await add_account(sessions, account_id, balance_cents=10_000)
    async with running_worker(time_skipping_env.client, sessions) as queue:
        handle = await time_skipping_env.client.start_workflow(
            AccountCollectionsWorkflow.run,
            AccountWorkflowInput(account_id, snapshot=await snapshot_of(sessions, account_id)),
            id=workflow_id_for(account_id),
            task_queue=queue,
        )
        for n, cents in enumerate(huge):
            await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(cents, f"HUGE-{n}", "2026-12-01"))

        async def refusals() -> list[dict[str, object]]:
            async with sessions() as session:
                trail = await repository.audit_trail(session, account_id)
            return [entry.detail for entry in trail if entry.action == "payment.refused"]

        refused = await eventually(refusals, lambda found: len(found) == len(huge), timeout=60, what="the refusals")
        await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(2_500, "AFTER", "2026-12-01"))
        status = await eventually(
            lambda: handle.query(AccountCollectionsWorkflow.status),
            lambda s: s.payments_count == 1,
            timeout=60,
            what="the later payment",
        )
        assert (status.balance_cents, status.collected_cents, status.stage) == (7_500, 2_500, "contacting")
        assert await refusals() == refused, "each refusal recorded once: none retried"
    assert [(d["reference"], d["amount_cents"]) for d in refused] == [(f"HUGE-{n}", c) for n, c in enumerate(huge)]
    assert all(len(str(d["error"]).splitlines()) == 1 for d in refused), refused
    async with sessions() as session:
        recorded = await repository.payments_for(session, account_id)
        account = await repository.get_account(session, account_id)
    assert [p.reference for p in recorded] == ["AFTER"]
    assert account is not None and account.balance_cents == 7_500
