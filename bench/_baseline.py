"""The baseline of the Temporal benchmarks: a no-op workflow with one activity.

It lives in its own module because the workflow sandbox re-imports a workflow's module, and a
benchmark script run as `__main__` cannot be re-imported. The driver runs it exactly as it runs an
account lifecycle: start, one signal, wait for the result.
"""

from __future__ import annotations

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
