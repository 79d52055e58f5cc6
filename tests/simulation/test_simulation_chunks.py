"""`simulate` split over fresh time-skipping servers: the chunk size changes no account's outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.debtor_model import BehaviourRates
from ops.fast_engine import next_start
from ops.simulation import simulate
from service.config import load_settings
from tests.simulation.test_fast_engine_equivalence import differences, stored_outcomes
from tests.simulation.test_simulation import outcome
from tests.support.databases import sqlite_url

ACCOUNTS, DAYS, SEED = 60, 30, 7
RATES = BehaviourRates(self_cure=0.1, dispute=0.06, bankruptcy=0.04, death=0.02)


@pytest.mark.timeout(600)
async def test_chunks_of_20_give_every_account_the_outcome_one_server_gives(tmp_path: Path) -> None:
    whole_dir, chunked_dir = tmp_path / "whole", tmp_path / "chunked"
    whole_dir.mkdir()
    chunked_dir.mkdir()
    start = next_start()
    whole = await simulate(
        load_settings(database_url=sqlite_url(whole_dir)), accounts=ACCOUNTS, days=DAYS, seed=SEED,
        strategy="default", rates=RATES, chunk=ACCOUNTS,
    )  # fmt: skip
    chunks: list[tuple[int, int]] = []
    days_played = 0

    def on_day() -> None:
        nonlocal days_played
        days_played += 1

    chunked = await simulate(
        load_settings(database_url=sqlite_url(chunked_dir)), accounts=ACCOUNTS, days=DAYS, seed=SEED,
        strategy="default", rates=RATES, chunk=20, on_day=on_day, on_chunk=lambda n, of: chunks.append((n, of)),
    )  # fmt: skip
    if next_start() != start:
        pytest.skip("the runs crossed 21:00 UTC: the two would start on different days")

    assert chunks == [(1, 3), (2, 3), (3, 3)]
    assert days_played == 3 * DAYS
    whole_outcomes = await stored_outcomes(sqlite_url(whole_dir))
    assert len(whole_outcomes) == ACCOUNTS
    assert differences(whole_outcomes, await stored_outcomes(sqlite_url(chunked_dir))) == {}
    assert outcome(chunked) == outcome(whole)  # the merged report: every figure but its timings


async def test_a_chunk_size_out_of_range_is_refused_before_anything_starts(tmp_path: Path) -> None:
    settings = load_settings(database_url=sqlite_url(tmp_path))
    with pytest.raises(ValueError, match="chunk must be between 1 and 1000, not 0"):
        await simulate(settings, accounts=5, days=1, seed=1, strategy="default", rates=RATES, chunk=0)
    assert not list(tmp_path.iterdir())  # no store created
