"""The web service's application: the API and the pages over one ops context (same config as the worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ops.context import open_context
from service.config import Settings
from service.web_config import WebSettings
from web import api, api_docs, api_queue, codec, desk, pages, queue_pages, supervisor_pages
from web.auth import Tokens
from web.forms import REFUSALS, refusal_status
from web.guard import Guard
from web.throttle import Throttle


def create_app(settings: Settings, web: WebSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_context(settings) as ctx:
            app.state.ctx = ctx
            yield

    app = FastAPI(
        title="Collections engine", lifespan=lifespan, openapi_url="/api/openapi.json", docs_url=None, redoc_url=None
    )
    app.state.tokens, app.state.throttle = Tokens(web.api_tokens_file), Throttle()
    app.state.secure_cookie = web.secure_cookie
    app.add_middleware(Guard, https=web.secure_cookie)  # limits, the token before the body, headers, errors
    app.include_router(api.router)
    app.include_router(api_queue.router)
    app.include_router(api_docs.router)
    app.mount("/codec", codec.codec_app(app.state.tokens, app.state.throttle))  # the Temporal Web UI's codec server
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(queue_pages.router)
    app.include_router(desk.router)
    app.include_router(supervisor_pages.router)  # the desk's approvals, suspense and team pages
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    for refusal in REFUSALS:
        app.add_exception_handler(refusal, _refused)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


async def _http_error(request: Request, err: HTTPException) -> Response:
    if not _is_api(request):
        if err.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        return pages.error_page(request, err.status_code, str(err.detail), headers=err.headers)
    return JSONResponse({"error": err.detail}, status_code=err.status_code, headers=err.headers)


async def _invalid_request(request: Request, err: RequestValidationError) -> Response:
    first = err.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part != "body")
    return JSONResponse({"error": f"{where}: {first['msg']}; nothing changed"}, status_code=422)


async def _refused(request: Request, err: Exception) -> Response:
    message = str(err)
    status = refusal_status(err)
    if not _is_api(request):
        return pages.error_page(request, status, message)
    return JSONResponse({"error": message}, status_code=status)
