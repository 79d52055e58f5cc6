"""Shared fixtures: real Temporal servers from the virtualenv, a fresh store per test."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.workflow_contract import ALL_KEYS
from service.dev_server import SERVER_STARTUP_TIMEOUT, bundled_executable
from service.temporal import register_search_attributes
from store.db import make_engine, make_session_factory, migrate
from tests.support.databases import sqlite_url
from tests.support.private_postgres import private_postgres  # noqa: F401 (a fixture)
from worker_wiring import all_activities
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL and chromium: tests needing a missing one are skipped, with one line saying why.
pytest_plugins = ["tests.support.prerequisites"]


@pytest.fixture(scope="session", autouse=True)
def payload_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every engine the tests start, in-process or as processes, encrypts payloads with one key file of the
    test session (made on first use), not the checkout's `.data/payload.key`."""
    key_file = tmp_path_factory.mktemp("payload-key") / "payload.key"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAYLOAD_KEY_FILE", str(key_file))
        yield key_file


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test (it starts in ~0.1 s): each test owns its clock."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=str(bundled_executable("temporal-test-server")),
    )
    await register_search_attributes(env.client)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=str(bundled_executable("temporal")),
        search_attributes=ALL_KEYS,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh, migrated SQLite account store."""
    url = sqlite_url(tmp_path)
    await migrate(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    await engine.dispose()


@asynccontextmanager
async def running_worker(
    client: Client, sessions: async_sessionmaker[AsyncSession], *, workflow: type = AccountCollectionsWorkflow
) -> AsyncIterator[str]:
    """A worker with the real workflows and activities on a fresh task queue; yields the queue."""
    task_queue = f"test-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[workflow],
        workflow_runner=workflow_runner(),
        activities=all_activities(sessions, None),
    ):
        yield task_queue


# The longest modules first: with --no-loadscope-reorder (the Makefile's) xdist hands modules out in
# collection order; by default it sorts them by test count, so the demo's 3 minutes and the modules of
# processes (few tests each) started last and left the other workers idle at the end.
SLOWEST_FIRST = ("e2e/test_demo.py", "e2e/", "web/", "reliability/", "observability/", "simulation/", "integration/")


PROCESS_JOURNEYS = ("e2e/", "web/", "reliability/", "observability/", "simulation/")
PROCESS_JOURNEY_TIMEOUT = 600
"""Seconds for a test that starts the dev server, worker.py, the web service or chains CLI processes: the
longest take 2-3 minutes on an idle 2-core machine with four test workers, more under a CPU hog."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        where = item.path.relative_to(ROOT / "tests").as_posix()
        return next((n for n, prefix in enumerate(SLOWEST_FIRST) if where.startswith(prefix)), len(SLOWEST_FIRST))

    items.sort(key=rank)  # stable: within a rank, the collection order
    for item in items:  # journeys of processes: 180 s is a hang detector for the rest, not for a loaded machine
        where = item.path.relative_to(ROOT / "tests").as_posix()
        if where.startswith(PROCESS_JOURNEYS) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(PROCESS_JOURNEY_TIMEOUT))


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without interpreter teardown: the SDK's runtime can abort there (sdk-python#300)."""
    if os.environ.get("COLLECTIONS_TEST_HARD_EXIT", "1") == "1" and not hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)
