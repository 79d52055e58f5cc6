"""The reports over a simulated portfolio agree with the simulation's own report where both count the same thing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.debtor_model import BehaviourRates
from domain.stages import Stage
from ops import reports
from ops.reports import store_sessions
from ops.simulation import simulate
from service.config import load_settings
from store.reports import Period
from tests.support.databases import sqlite_url

ACCOUNTS, DAYS = 40, 30


async def test_kpis_and_aging_agree_with_the_simulation_report(tmp_path: Path) -> None:
    settings = load_settings(database_url=sqlite_url(tmp_path))
    rates = BehaviourRates(right_party=0.5, promise=0.7, promise_kept=0.6, self_cure=0.15, dispute=0.05)
    report = await simulate(settings, accounts=ACCOUNTS, days=DAYS, seed=23, strategy="default", rates=rates)

    # The store's clock is the wall clock (loaded, stages, outcomes, promises judged: today), the
    # simulated one runs on from today (received dates, attempts): one period holds both.
    today = datetime.now(UTC).date()
    period = Period(today - timedelta(days=1), today + timedelta(days=DAYS + 2))
    async with store_sessions(settings.database_url) as sessions:
        k = await reports.kpis(sessions, period, today=today)
        aging = await reports.aging(sessions, as_of=period.last, today=today)

    assert k["open_at_start"] == {"accounts": 0, "balance_cents": 0}
    assert k["loaded"]["accounts"] == ACCOUNTS
    assert k["collected"]["amount_cents"] == report.collected_cents > 0
    cured = report.by_stage.get(Stage.PAID.value, 0) + report.by_stage.get(Stage.SETTLED.value, 0)
    assert k["cure"] == {"cured": cured, "open_in_period": ACCOUNTS, "rate": report.cure_rate}
    assert k["promise_kept"]["rate"] == report.promise_kept_rate
    assert k["promise_kept"]["kept"] + k["promise_kept"]["broken"] > 0
    # the simulation divides by every account, the report by those contacted: the same accounts reached
    assert round(k["right_party_contact"]["reached"] / ACCOUNTS, 4) == report.right_party_contact_rate > 0
    assert k["right_party_contact"]["reached"] <= k["right_party_contact"]["attempted"] <= ACCOUNTS
    still_open = sum(n for stage, n in report.by_stage.items() if not Stage(stage).is_terminal)
    assert aging["portfolio"]["total"]["accounts"] == k["open_at_end"]["accounts"] == still_open
    assert (
        sum(k["collected_by_channel"][c]["amount_cents"] for c in k["collected_by_channel"]) == report.collected_cents
    )
