"""The worker's `collections_accounts{stage}` gauge (service/metrics.py), from one GROUP BY over the store."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.common import MetricMeter

from service.failures import one_line
from service.metrics import ACCOUNTS, NOT_STARTED, STAGES, log
from store import repository
from store.failures import store_unavailable


async def accounts_by_stage(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Accounts in the store by stage, every stage named (0 where none)."""
    async with sessions() as session:
        counts = await repository.account_ids_by_stage(session)
    by_stage = dict.fromkeys(STAGES, 0)
    for stage, count in counts.items():
        by_stage[stage or NOT_STARTED] = count
    return by_stage


async def refresh_accounts_gauge(meter: MetricMeter, sessions: async_sessionmaker[AsyncSession], every: float) -> None:
    """Set `collections_accounts{stage}` now and every `every` seconds, until cancelled.

    The store unavailable: one warning `store.unavailable` (source `accounts_gauge`) per refresh, and the
    gauge keeps its last values until the store answers again.
    """
    gauge = meter.create_gauge(ACCOUNTS, "Accounts in the store by stage (not_started: loaded, no workflow yet)")
    while True:
        try:
            counts = await accounts_by_stage(sessions)
        except Exception as err:  # noqa: BLE001 - the worker goes on; the next refresh tries again
            event = "store.unavailable" if store_unavailable(err) else "metrics.refresh_failed"
            log.warning(event, source="accounts_gauge", error=one_line(err), retry_in_seconds=every)
        else:
            for stage, count in counts.items():
                gauge.set(count, {"stage": stage})
        await asyncio.sleep(every)
