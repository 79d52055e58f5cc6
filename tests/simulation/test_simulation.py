"""`starter.py simulate`: the real workflows on the time-skipping server, deterministic for a seed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from domain.debtor_model import BehaviourRates
from ops.simulation import simulate
from service.config import load_settings
from tests.support.databases import sqlite_url

TIMINGS = {"wall_seconds", "account_days_per_second"}


def outcome(report) -> dict:
    return {k: v for k, v in dataclasses.asdict(report).items() if k not in TIMINGS}


async def test_the_same_seed_gives_the_same_outcome_and_every_account_is_accounted_for(tmp_path: Path) -> None:
    settings = load_settings(database_url=sqlite_url(tmp_path))
    rates = BehaviourRates(self_cure=0.2, dispute=0.1, bankruptcy=0.1, death=0.05)
    first = await simulate(settings, accounts=16, days=40, seed=11, strategy="default", rates=rates)
    again = await simulate(settings, accounts=16, days=40, seed=11, strategy="default", rates=rates)

    assert outcome(first) == outcome(again)
    assert sum(first.by_stage.values()) == 16
    cured = first.by_stage.get("paid", 0) + first.by_stage.get("settled", 0)
    assert first.cure_rate == round(cured / 16, 4) and cured > 0 and first.collected_cents > 0
    assert first.attempts_by_channel.get("letter", 0) >= 16, "every account got its validation notice"
    assert first.right_party_contact_rate > 0


async def test_a_stricter_strategy_on_the_same_portfolio_contacts_differently(tmp_path: Path) -> None:
    settings = load_settings(database_url=sqlite_url(tmp_path))
    default = await simulate(settings, accounts=10, days=15, seed=5, strategy="default", rates=BehaviourRates())
    demo = await simulate(settings, accounts=10, days=15, seed=5, strategy="demo", rates=BehaviourRates())
    assert sum(default.attempts_by_channel.values()) != sum(demo.attempts_by_channel.values())
