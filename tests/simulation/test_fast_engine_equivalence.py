"""`simulate --engine fast` against the workflows: one seed, 200 accounts x 120 days through both engines,
the same outcome for every account (final stage, balance, attempts by channel and outcome, payments)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from domain.debtor_model import BehaviourRates
from ops.fast_engine import AccountOutcome, next_start, simulate_fast
from ops.simulation import simulate
from service.config import load_settings
from store.db import make_engine, make_session_factory
from store.models import AccountRow, ContactAttemptRow, PaymentRow
from tests.simulation.test_simulation import outcome
from tests.support.databases import sqlite_url

ACCOUNTS, DAYS, SEED = 200, 120, 7
RATES = BehaviourRates(self_cure=0.1, dispute=0.06, bankruptcy=0.04, death=0.02)
"""More lives than the defaults, so holds, write-offs and estates are in the sample."""


async def stored_outcomes(database_url: str) -> dict[str, AccountOutcome]:
    """Each simulated account's outcome as the full run left it in the store, by its number ('000001')."""
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            accounts = (
                await session.execute(select(AccountRow.account_id, AccountRow.stage, AccountRow.balance_cents))
            ).all()
            attempts = (await session.execute(select(
                ContactAttemptRow.account_id, ContactAttemptRow.channel, ContactAttemptRow.status,
                ContactAttemptRow.outcome, ContactAttemptRow.rule,
            ))).all()  # fmt: skip
            payments = (
                await session.execute(select(PaymentRow.account_id, PaymentRow.reference, PaymentRow.amount_cents))
            ).all()
    finally:
        await engine.dispose()
    number = {account_id: account_id[-6:] for account_id, _, _ in accounts}
    found = {number[a]: AccountOutcome(stage, balance, {}, {}) for a, stage, balance in accounts}
    counts: dict[str, Counter[tuple[str, str, str]]] = {n: Counter() for n in found}
    for account_id, channel, status, result, rule in attempts:
        counts[number[account_id]][(channel, status, result or rule or "")] += 1
    for account_id, reference, cents in payments:
        found[number[account_id]].payments[reference.replace(f"-{account_id}", "")] = cents
    for n, each in found.items():
        each.attempts = dict(counts[n])
    return found


def differences(full: dict[str, AccountOutcome], fast: dict[str, AccountOutcome]) -> dict[str, list[str]]:
    """Per account, the fields that differ (and both values)."""
    found: dict[str, list[str]] = {}
    for n in sorted(full.keys() | fast.keys()):
        a, b = full.get(n), fast.get(n)
        if a is None or b is None:
            found[n] = [f"only in {'fast' if a is None else 'full'}"]
            continue
        fields = [
            f"{name}: full {getattr(a, name)} fast {getattr(b, name)}"
            for name in ("stage", "balance_cents", "attempts", "payments")
            if getattr(a, name) != getattr(b, name)
        ]
        if fields:
            found[n] = fields
    return found


@pytest.mark.timeout(600)
async def test_the_fast_engine_gives_every_account_the_outcome_the_workflows_give(tmp_path: Path) -> None:
    settings = load_settings(database_url=sqlite_url(tmp_path))
    start = next_start()
    full_report = await simulate(settings, accounts=ACCOUNTS, days=DAYS, seed=SEED, strategy="default", rates=RATES)
    if next_start() != start:
        pytest.skip("the run crossed 21:00 UTC: the two engines would start on different days")
    fast: dict[str, AccountOutcome] = {}
    fast_report = simulate_fast(
        accounts=ACCOUNTS, days=DAYS, seed=SEED, strategy="default", rates=RATES, start=start, outcomes=fast
    )
    full = await stored_outcomes(settings.database_url)

    assert len(full) == len(fast) == ACCOUNTS
    assert differences(full, fast) == {}
    assert outcome(fast_report) == outcome(full_report)  # the report's every figure but its timings
