"""The web service's outer guard, a pure ASGI middleware: nothing reaches a route before it has passed.

- A body over its path's limit is refused (413) before it is read: by its Content-Length, or by the
  bytes counted as they stream in. The API's bearer token is checked before its body is read (401).
- A POST from another site (Origin or Referer naming another host) is refused (403); the codec
  endpoints have their own CORS policy and are left to it.
- Every answer carries the security headers (a CSP allowing nothing but the service's own stylesheet,
  no framing, no sniffing, no referrer to other sites, no caching).
- An exception no handler took is logged with an id and answered as one line naming only that id:
  never its message (SQL and its parameters), never a traceback.
"""

from __future__ import annotations

import secrets
from html import escape
from urllib.parse import urlsplit

import structlog
from fastapi import HTTPException, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.auth import identify

log = structlog.get_logger("web")
KIB = 1024
API_LIMIT = 64 * KIB
LIMITS = {"/login": 4 * KIB, "/logout": 1 * KIB, "/codec": 4 * KIB * KIB}  # by the path's first segment
CSP = "; ".join(
    ("default-src 'none'", "style-src 'self'", "img-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
     "base-uri 'none'")
)  # fmt: skip
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # nothing to other sites; our own POSTs keep their Origin (no-referrer: null)
    (b"cache-control", b"no-store"),
]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit // KIB} KiB: nothing changed")


UPLOAD_LIMITS = {"/api/payment-files": 256 * KIB * KIB}
"""A day's payment file (100,000 items is about 8 MiB as CSV): the one route that takes a file."""


def body_limit(path: str) -> int:
    if path in UPLOAD_LIMITS:
        return UPLOAD_LIMITS[path]
    return LIMITS.get("/" + path.lstrip("/").split("/", 1)[0], API_LIMIT)


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


HSTS = (b"strict-transport-security", b"max-age=31536000")
"""Browsers come back over HTTPS only, for a year: sent wherever the service is reached over TLS."""


class Guard:
    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.headers = [*HEADERS, HSTS] if https else HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in self.headers if h[0] not in names)]
            await send(message)

        try:
            refusal = before_reading(Request(scope))
            if refusal is not None:
                await refusal(scope, receive, send_guarded)
                return
            await self.app(scope, counted(receive, body_limit(scope["path"])), send_guarded)
        except Exception:
            ident = secrets.token_hex(4)
            log.exception("web.internal_error", id=ident, method=scope["method"], path=scope["path"])
            if not started:
                await internal_error(scope["path"], ident)(scope, receive, send_guarded)


def before_reading(request: Request) -> Response | None:
    """The answer to a request refused on its headers alone, before its body is read; None lets it in."""
    path, limit = request.url.path, body_limit(request.url.path)
    try:
        if request.method not in SAFE_METHODS and not path.startswith("/codec") and _cross_site(request):
            raise HTTPException(403, "a request from another site is refused: nothing changed")
        if is_api(path) and identify(request) is None:
            raise HTTPException(401, "a valid token is required", headers={"WWW-Authenticate": "Bearer"})
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise BodyTooLarge(limit)
    except HTTPException as err:
        if is_api(path) or path.startswith("/codec"):
            return JSONResponse({"error": err.detail}, status_code=err.status_code, headers=err.headers)
        return HTMLResponse(_plain_page(str(err.detail)), status_code=err.status_code, headers=err.headers)
    return None


def counted(receive: Receive, limit: int) -> Receive:
    """`receive`, refusing (413) once the body streamed in goes over `limit` bytes."""
    seen = 0

    async def receive_counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_counted


def _cross_site(request: Request) -> bool:
    """A browser's POST from a page of another host (Origin, or Referer without it); none given: not a browser's."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return bool(source)
    return urlsplit(source).netloc.lower() != request.headers.get("host", "").lower()


def internal_error(path: str, ident: str) -> Response:
    message = f"internal error (logged as {ident})"
    if is_api(path) or path.startswith("/codec"):
        return JSONResponse({"error": message}, status_code=500)
    return HTMLResponse(_plain_page(message), status_code=500)


def _plain_page(message: str) -> str:
    """A page that needs nothing (no template, no stylesheet): it is shown when something went wrong."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Collections engine</title></head>'
        f'<body><p>{escape(message)}</p><p><a href="/">Back to the dashboard</a></p></body></html>'
    )
