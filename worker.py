"""The collections worker service: `python worker.py` runs until SIGTERM/SIGINT, drains, exits 0.

Configuration comes from the environment (see service/config.py and the README).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import RPCError

from activities.support import leave_failures_to_the_outcome_line
from domain.strategy import StrategyError
from domain.workflow_contract import ALL_KEYS
from ops.strategies import load_strategy
from service.config import ConfigError, Settings, load_settings
from service.files import restrict_new_files
from service.health import ListenError, health_app, serving, store_check, temporal_check
from service.logging import configure_logging
from service.metrics import metrics_enabled
from service.payload_codec import announce_payload_protection
from service.temporal import TemporalUnavailable, connect, register_missing_search_attributes
from store.accounts_gauge import refresh_accounts_gauge
from store.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    SchemaNotCurrent,
    ensure_schema,
    make_engine,
    make_session_factory,
    store_location,
)
from store.failures import one_line, store_unavailable
from worker_wiring import build_worker

log = structlog.get_logger("worker")


async def serve() -> int:
    settings = load_settings()
    load_strategy(settings.collections_strategy)  # COLLECTIONS_STRATEGY: a broken one stops the worker here
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    leave_failures_to_the_outcome_line()
    announce_payload_protection()  # encrypted with which key, or a warning: payloads in clear text
    await ensure_schema(settings.database_url)
    engine = make_engine(settings.database_url, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
    try:
        client = await connect(
            settings, metrics_address=settings.metrics_address, tries=settings.temporal_connect_tries
        )
    except ValueError as err:  # the SDK's Prometheus exporter could not listen there
        if settings.metrics_address is None or "Prometheus" not in str(err):
            raise
        raise ListenError(f"cannot serve /metrics on {settings.metrics_address}: {err}") from None
    try:
        await register_missing_search_attributes(client)
    except RPCError as err:  # a namespace whose attributes are managed elsewhere (Temporal Cloud)
        log.warning("temporal.search_attributes_not_checked", error=str(err), needed=[k.name for k in ALL_KEYS])
    worker = build_worker(client, settings, make_session_factory(engine))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    async with observability(settings, client, engine), worker:
        log.info(
            "worker.started",
            task_queue=settings.collections_task_queue,
            temporal_address=settings.temporal_address,
            namespace=settings.temporal_namespace,
            metrics_address=settings.metrics_address,
            health_address=settings.health_address,
            pid=os.getpid(),
        )
        await stop.wait()
        log.info("worker.draining", graceful_shutdown_seconds=settings.graceful_shutdown_seconds)
    await engine.dispose()
    log.info("worker.stopped")
    return 0


@contextlib.asynccontextmanager
async def observability(settings: Settings, client: Client, engine: AsyncEngine) -> AsyncIterator[None]:
    """`/healthz` on HEALTH_ADDRESS, and with METRICS_ADDRESS the accounts gauge refreshed every
    METRICS_REFRESH_SECONDS, for as long as the block runs (the SDK serves `/metrics` itself)."""
    async with contextlib.AsyncExitStack() as running:
        if settings.health_address:
            timeout = settings.health_check_timeout_seconds
            checks = {
                "temporal": temporal_check(client, settings.temporal_address, timeout),
                "store": store_check(engine, store_location(settings.database_url), timeout),
            }
            await running.enter_async_context(serving(health_app(checks), settings.health_address))
        meter = (client.service_client.config.runtime or Runtime.default()).metric_meter
        if metrics_enabled(meter):
            sessions = make_session_factory(engine)
            gauge = asyncio.create_task(refresh_accounts_gauge(meter, sessions, settings.metrics_refresh_seconds))
            running.push_async_callback(_cancelled, gauge)
        yield


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def main() -> None:
    restrict_new_files()  # the store, logs and anything else it creates: its owner's only
    try:
        code = asyncio.run(serve())
    except (ConfigError, StrategyError, TemporalUnavailable, SchemaNotCurrent, ListenError) as err:
        print(f"worker: error: {err}", file=sys.stderr)
        code = 2
    except Exception as err:
        if not store_unavailable(err):
            raise
        where = store_location(load_settings().database_url)
        print(f"worker: error: account store unavailable ({where}): {one_line(err)}", file=sys.stderr)
        code = 2
    sys.stdout.flush()
    sys.stderr.flush()
    # The SDK's core runtime can abort during interpreter teardown (sdk-python#300); the
    # worker has drained by now, so leave without that teardown.
    os._exit(code)


if __name__ == "__main__":
    main()
