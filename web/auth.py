"""Who is calling: a bearer token (API) or the login cookie (pages), checked against the tokens file.

A token that is not valid is logged (the client's address and where it was presented, never the token)
and counted against the client's address (web/throttle.py): an address with too many waits (429).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from fastapi import HTTPException, Request

from web.throttle import Throttle
from web.tokens import DOES, Caller, Permission, TokenBook, load_tokens

COOKIE = "collections_token"
log = structlog.get_logger("web.auth")


class Tokens:
    """The tokens file, read again whenever it changes: a revoked token stops working at once."""

    def __init__(self, path: Path) -> None:
        self._path, self._stamp, self._book = path, (-1.0, -1), TokenBook()

    def book(self) -> TokenBook:
        stat = self._path.stat() if self._path.exists() else None
        stamp = (stat.st_mtime, stat.st_size) if stat else (0.0, 0)
        if stamp != self._stamp:
            self._book, self._stamp = load_tokens(self._path), stamp
        return self._book


def presented_token(request: Request) -> tuple[str | None, str]:
    """The token the request presents and how (bearer or cookie)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), "bearer"
    return request.cookies.get(COOKIE), "cookie"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_token(request: Request, token: str | None, via: str) -> Caller | None:
    """The caller `token` belongs to, or None (no token, or one not valid: logged and counted).

    The one check for every way in (bearer, cookie, sign-in form). 429 while the address waits.
    """
    throttle: Throttle = request.app.state.throttle
    address = client_address(request)
    wait = throttle.wait(address)
    if wait:
        log.warning("web.auth_throttled", client=address, path=request.url.path, via=via, retry_after=wait)
        raise HTTPException(
            429, f"too many failed sign-ins from {address}: try again in {wait} s", headers={"Retry-After": str(wait)}
        )
    if not token:
        return None
    tokens: Tokens = request.app.state.tokens
    caller = tokens.book().caller(token)
    if caller is None:
        throttle.failed(address)
        log.warning("web.auth_failed", client=address, path=request.url.path, via=via, reason="token not valid")
    return caller


def identify(request: Request) -> Caller | None:
    """The caller presenting the request's token (bearer or cookie), or None."""
    token, via = presented_token(request)
    return check_token(request, token, via)


def require(permission: Permission) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency: the caller, or 401 without a valid token and 403 when the role lacks `permission`."""

    async def caller(request: Request) -> Caller:
        found = identify(request)
        if found is None:
            raise HTTPException(401, "a valid token is required", headers={"WWW-Authenticate": "Bearer"})
        if not found.may(permission):
            raise HTTPException(403, f"the {found.role} role may not {DOES[permission]}")
        request.state.caller = found
        return found

    return caller
