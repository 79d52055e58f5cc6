"""Who is calling: a bearer token (API) or the login cookie (pages), checked against the tokens file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import HTTPException, Request

from web.tokens import DOES, Caller, Permission, TokenBook, load_tokens

COOKIE = "collections_token"


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


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(COOKIE)


def require(permission: Permission) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency: the caller, or 401 without a valid token and 403 when the role lacks `permission`."""

    async def caller(request: Request) -> Caller:
        tokens: Tokens = request.app.state.tokens
        found = tokens.book().caller(presented_token(request))
        if found is None:
            raise HTTPException(401, "a valid token is required", headers={"WWW-Authenticate": "Bearer"})
        if not found.may(permission):
            raise HTTPException(403, f"the {found.role} role may not {DOES[permission]}")
        request.state.caller = found
        return found

    return caller
