"""Key rotation on the dev server: payloads written under k1 still decode once k2 comes first; new ones take k2."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from temporalio.client import Client

from domain.messages import AccountSnapshot, AccountStatus, AccountWorkflowInput, PaymentInput
from domain.workflow_contract import workflow_id_for
from ops.strategies import load_strategy
from service.config import load_settings
from service.payload_codec import ENCODING, KEY_ID_HEADER, EncryptionCodec, PayloadDecryptionError, parse_keys
from tests.support.accounts import RECENTLY_DUE, add_account, eventually, terminate_when_idle
from tests.support.payloads import history_payloads, new_key, with_keys
from worker_wiring import build_worker
from workflows.account import AccountCollectionsWorkflow

K1, K2 = new_key(), new_key()
BALANCE = 50_000


async def payments_seen(client: Client, account_id: str) -> AccountStatus:
    return await client.get_workflow_handle(workflow_id_for(account_id)).query(AccountCollectionsWorkflow.status)


async def test_a_worker_with_rotated_keys_replays_k1_history_and_writes_under_k2(local_env, sessions) -> None:
    account_id = f"R{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, balance_cents=BALANCE)
    settings = load_settings(collections_task_queue=f"rotation-{uuid.uuid4()}", graceful_shutdown_seconds=1)
    before, after = with_keys(local_env.client, f"k1:{K1}"), with_keys(local_env.client, f"k2:{K2},k1:{K1}")
    snapshot = AccountSnapshot(account_id, BALANCE, "USD", RECENTLY_DUE.isoformat(), "card")
    plan = load_strategy("default").plan_for(segment="card", state="NY")

    async with build_worker(before, settings, sessions):
        handle = await before.start_workflow(
            AccountCollectionsWorkflow.run,
            AccountWorkflowInput(account_id, snapshot=snapshot, plan=plan),
            id=workflow_id_for(account_id),
            task_queue=settings.collections_task_queue,
        )
        await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(1_000, "ROT-1", date.today().isoformat()))
        await eventually(lambda: payments_seen(before, account_id), lambda s: s.payments_count == 1, timeout=60)

    # A new worker (empty cache) must replay the whole k1 history to take the next signal.
    async with build_worker(after, settings, sessions):
        rotated = after.get_workflow_handle(workflow_id_for(account_id))
        await rotated.signal(AccountCollectionsWorkflow.payment, PaymentInput(2_000, "ROT-2", date.today().isoformat()))
        status = await eventually(lambda: payments_seen(after, account_id), lambda s: s.payments_count == 2, timeout=60)
        assert status.balance_cents == BALANCE - 3_000
        history = await local_env.client.get_workflow_handle(workflow_id_for(account_id)).fetch_history()
        await terminate_when_idle(rotated)

    payloads = history_payloads(history)
    assert payloads and all(p.metadata["encoding"] == ENCODING for p in payloads)
    key_ids = [p.metadata[KEY_ID_HEADER].decode() for p in payloads]
    assert key_ids[0] == "k1" and "k2" in key_ids
    assert key_ids == sorted(key_ids, key=lambda key_id: key_id == "k2"), "k1 until the rotation, k2 after"
    decoded = await EncryptionCodec(parse_keys(f"k2:{K2},k1:{K1}")).decode(payloads)
    assert any(b"ROT-1" in p.data for p in decoded) and any(b"ROT-2" in p.data for p in decoded)
    with pytest.raises(PayloadDecryptionError, match="'k1'"):
        await EncryptionCodec(parse_keys(f"k2:{K2}")).decode(payloads[:1])
