"""`/healthz`: whether the worker can reach Temporal and the store, served in the worker's own event loop.

200 `{"temporal": "ok", "store": "ok"}`; otherwise 503 with every check named and, for each that
failed, what failed in one line (`"store": "unavailable (PostgreSQL 127.0.0.1:5432/collections):
ConnectionRefusedError: ..."`). Each check is a cheap request (Temporal: GetSystemInfo; the store:
`SELECT 1` on the worker's own connection pool) bounded by HEALTH_CHECK_TIMEOUT_SECONDS, and the
checks run side by side, so an answer never takes much longer than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta

import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.service import RPCError

from service.failures import one_line

OK = "ok"
Check = Callable[[], Awaitable[str]]
"""One check: OK, or what failed in one line."""


class ListenError(RuntimeError):
    """An endpoint of the worker (`/healthz`, `/metrics`) cannot be served at the address given (taken, say)."""


async def _bounded(probe: Awaitable[object], timeout: float, failed: Callable[[Exception], str]) -> str:
    try:
        await asyncio.wait_for(probe, timeout)
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except Exception as err:  # noqa: BLE001 - any failure is the answer, in one line
        return failed(err)
    return OK


def temporal_check(client: Client, address: str, timeout: float) -> Check:
    """Temporal answers a GetSystemInfo call (what every client asks first) within `timeout` seconds."""

    def failed(err: Exception) -> str:
        detail = f"{err.status.name}: {err.message}" if isinstance(err, RPCError) else one_line(err)
        return f"unreachable ({address}): {detail.splitlines()[0] if detail else type(err).__name__}"

    async def check() -> str:
        probe = client.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=timedelta(seconds=timeout))
        return await _bounded(probe, timeout, failed)

    return check


def store_check(engine: AsyncEngine, where: str, timeout: float) -> Check:
    """The store runs `SELECT 1` on a connection of the worker's pool within `timeout` seconds."""

    async def select_one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def check() -> str:
        return await _bounded(select_one(), timeout, lambda err: f"unavailable ({where}): {one_line(err)}")

    return check


def health_app(checks: dict[str, Check]) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        answers = await asyncio.gather(*(check() for check in checks.values()))
        body = dict(zip(checks, answers, strict=True))
        return JSONResponse(body, status_code=200 if all(a == OK for a in answers) else 503)

    return Starlette(routes=[Route("/healthz", healthz)])


class _InLoopServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """The worker handles SIGTERM and SIGINT itself (drain, then stop this server)."""
        yield


def _listening_socket(address: str) -> socket.socket:
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, int(port)), family=family)
    except OSError as err:
        raise ListenError(f"cannot serve /healthz on {address}: {err.strerror or err}") from None


@contextlib.asynccontextmanager
async def serving(app: Starlette, address: str) -> AsyncIterator[None]:
    """Serve `app` on `address` (host:port) in this event loop until the block ends.

    The socket is bound first, so an address already taken is a ListenError in one line.
    """
    sock = _listening_socket(address)
    config = uvicorn.Config(app, lifespan="off", access_log=False, log_config=None, timeout_graceful_shutdown=2)
    server = _InLoopServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise ListenError(f"/healthz on {address} stopped as it started")
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await task
        sock.close()
