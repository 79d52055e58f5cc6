"""The collections worker service: `python worker.py` runs until SIGTERM/SIGINT, drains, exits 0.

Configuration comes from the environment (see service/config.py and the README).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import structlog
from temporalio.service import RPCError

from service.config import ConfigError, load_settings
from service.logging import configure_logging
from service.temporal import TemporalUnavailable, build_worker, connect, register_missing_search_attributes
from store.db import SchemaNotCurrent, ensure_schema, make_engine, make_session_factory, store_location
from store.failures import one_line, store_unavailable
from workflows.search_attributes import ALL_KEYS

log = structlog.get_logger("worker")


async def serve() -> int:
    settings = load_settings()
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    await ensure_schema(settings.database_url)
    engine = make_engine(settings.database_url)
    client = await connect(
        settings, metrics_address=os.environ.get("METRICS_ADDRESS"), tries=settings.temporal_connect_tries
    )
    try:
        await register_missing_search_attributes(client)
    except RPCError as err:  # a namespace whose attributes are managed elsewhere (Temporal Cloud)
        log.warning("temporal.search_attributes_not_checked", error=str(err), needed=[k.name for k in ALL_KEYS])
    worker = build_worker(client, settings, make_session_factory(engine))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    async with worker:
        log.info(
            "worker.started",
            task_queue=settings.collections_task_queue,
            temporal_address=settings.temporal_address,
            namespace=settings.temporal_namespace,
            pid=os.getpid(),
        )
        await stop.wait()
        log.info("worker.draining", graceful_shutdown_seconds=settings.graceful_shutdown_seconds)
    await engine.dispose()
    log.info("worker.stopped")
    return 0


def main() -> None:
    try:
        code = asyncio.run(serve())
    except (ConfigError, TemporalUnavailable, SchemaNotCurrent) as err:
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
