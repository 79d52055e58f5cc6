"""The baselines of the Temporal benchmarks: a no-op workflow with one activity, and one that wakes daily.

They live in their own module because the workflow sandbox re-imports a workflow's module, and a
benchmark script run as `__main__` cannot be re-imported. The no-op workflow is run exactly as an
account lifecycle is: start, one signal, wait for the result. The daily one is simulation_speed.py's
floor: it sleeps to the next `hour` UTC and runs one no-op activity, once per simulated day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="bench_noop")
async def noop_activity(token: str) -> str:
    return token


@workflow.defn(name="BenchNoopWorkflow")
class NoopWorkflow:
    def __init__(self) -> None:
        self._released = False

    @workflow.run
    async def run(self, token: str) -> str:
        result = await workflow.execute_activity(noop_activity, token, start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: self._released)
        return result

    @workflow.signal
    def release(self) -> None:
        self._released = True


@dataclass(frozen=True)
class DailyInput:
    days: int
    hour: int
    """UTC hour of each day's wake-up."""


@workflow.defn(name="BenchDailyNoopWorkflow")
class DailyNoopWorkflow:
    """bench/simulation_speed.py's baseline: wakes once a simulated day at `hour` UTC, runs one no-op activity."""

    @workflow.run
    async def run(self, request: DailyInput) -> int:
        for day in range(request.days):
            now = workflow.now()
            wake = now.replace(hour=request.hour, minute=0, second=0, microsecond=0)
            if wake <= now:
                wake += timedelta(days=1)
            await workflow.sleep(wake - now)
            await workflow.execute_activity(noop_activity, str(day), start_to_close_timeout=timedelta(seconds=30))
        return request.days
