"""The operations layer against the real dev server and a real PostgreSQL store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from domain import holds
from domain.messages import PaymentInput
from ops import account_workflows, views
from ops.context import OpsContext
from ops.errors import OpsError
from service.config import load_settings
from store.db import make_engine, make_session_factory, migrate
from tests.conftest import running_worker
from tests.support.accounts import add_account, eventually
from tests.support.databases import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def postgres_sessions():
    url = await create_postgres_database()
    await migrate(url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
        await drop_postgres_database(url)


@pytest.fixture
async def ops(local_env, postgres_sessions) -> AsyncIterator[OpsContext]:
    async with running_worker(local_env.client, postgres_sessions) as queue:
        settings = load_settings(collections_task_queue=queue)
        yield OpsContext(settings, local_env.client, postgres_sessions)


async def test_accounts_are_listed_by_stage_through_search_attributes(ops: OpsContext) -> None:
    tag = uuid.uuid4().hex[:6]
    payer, held, quiet = f"P{tag}", f"H{tag}", f"Q{tag}"
    for account_id in (payer, held, quiet):
        await add_account(ops.sessions, account_id, balance_cents=2_000)
    summary = await account_workflows.start_accounts(ops, [payer, held, quiet])
    assert sorted(summary.started) == sorted([payer, held, quiet])

    await account_workflows.send_payment(ops, payer, PaymentInput(2_000, f"R{tag}", date.today().isoformat()))
    await account_workflows.send_hold(ops, held, holds.bankruptcy_hold(f"BK{tag}", chapter="7", filed_on="2026-01-05"))

    def ids(rows: list[dict]) -> set[str]:
        return {row["account_id"] for row in rows}

    paid = await eventually(lambda: views.list_accounts(ops, stage="paid", limit=1000), lambda r: payer in ids(r))
    on_hold = await eventually(lambda: views.list_accounts(ops, stage="on_hold", limit=1000), lambda r: held in ids(r))
    contacting = await views.list_accounts(ops, stage="contacting", limit=1000)
    assert quiet in ids(contacting) and payer not in ids(contacting) and held not in ids(contacting)
    assert [r["hold"] for r in on_hold if r["account_id"] == held] == ["bankruptcy"]
    assert [r["balance_cents"] for r in paid if r["account_id"] == payer] == [0]

    status = await eventually(lambda: views.account_status(ops, payer), lambda s: s["source"] == "store")
    assert (status["source"], status["stage"], status["payments_count"]) == ("store", "paid", 1)
    with pytest.raises(OpsError, match="closed"):
        await account_workflows.send_payment(ops, payer, PaymentInput(100, f"late{tag}", "2026-02-02"))


async def test_a_reference_already_used_by_another_account_is_refused_before_sending(ops: OpsContext) -> None:
    tag = uuid.uuid4().hex[:6]
    first, second = f"F{tag}", f"S{tag}"
    for account_id in (first, second):
        await add_account(ops.sessions, account_id, balance_cents=5_000)
    await account_workflows.send_payment(ops, first, PaymentInput(1_000, f"R{tag}", date.today().isoformat()))
    await eventually(lambda: views.account_status(ops, first), lambda s: s.get("payments_count") == 1)
    with pytest.raises(OpsError, match=f"already belongs to account {first}"):
        await account_workflows.send_payment(ops, second, PaymentInput(1_000, f"R{tag}", date.today().isoformat()))
    assert (await views.account_status(ops, second))["stage"] == "not_started"


async def test_start_all_past_due_skips_future_accounts_and_a_second_start_is_a_no_op(ops: OpsContext) -> None:
    tag = uuid.uuid4().hex[:6]
    await add_account(ops.sessions, f"OLD{tag}", due_date=date(2026, 1, 1))
    await add_account(ops.sessions, f"NEW{tag}", due_date=date(2099, 1, 1))
    due = await account_workflows.past_due_accounts(ops, date(2026, 6, 1))
    assert f"OLD{tag}" in due and f"NEW{tag}" not in due
    first = await account_workflows.start_accounts(ops, [f"OLD{tag}"])
    second = await account_workflows.start_accounts(ops, [f"OLD{tag}"])
    assert (first.started, second.already_started) == ([f"OLD{tag}"], [f"OLD{tag}"])


async def test_status_falls_back_to_the_store_when_no_worker_answers(
    local_env, postgres_sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "QUERY_TIMEOUT", timedelta(seconds=1))
    ctx = OpsContext(
        load_settings(collections_task_queue=f"no-worker-{uuid.uuid4()}"), local_env.client, postgres_sessions
    )
    account_id = f"W{uuid.uuid4().hex[:6]}"
    await add_account(ctx.sessions, account_id, balance_cents=4_200)
    await account_workflows.start_accounts(ctx, [account_id])
    status = await views.account_status(ctx, account_id)
    assert (status["source"], status["balance_cents"]) == ("store", 4_200)
    assert "is a worker running?" in status["workflow_status"]


async def test_a_batch_naming_an_unknown_account_starts_nothing(ops: OpsContext) -> None:
    tag = uuid.uuid4().hex[:6]
    await add_account(ops.sessions, f"K{tag}")
    with pytest.raises(OpsError, match=f"unknown account\\(s\\) NOPE{tag}: nothing started"):
        await account_workflows.start_accounts(ops, [f"K{tag}", f"NOPE{tag}"])
    assert (await views.account_status(ops, f"K{tag}"))["stage"] == "not_started"
