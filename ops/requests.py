"""Who asked for a change, and each change at most once per idempotency key: `perform_write`.

Every front end (the web API, the CLI) sends a write through `perform_write`. It refuses a key the
store could not keep before anything is applied, scopes a key to (caller, route, account), answers a
replay with the first answer, and appends one `request.<action>` audit entry per request (replays
included) in the same transaction that records the answer. It logs each request (never a token).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from ops.context import OpsContext
from ops.errors import OpsError, RequestConflict
from store import repository
from store.requests import (
    DONE,
    RequestScope,
    RequestView,
    claim_request,
    complete_request,
    release_request,
)

KEY = re.compile(r"[\x20-\x7e]{1,128}")
"""1 to 128 printable ASCII characters: what the store keeps on every backend."""
ABANDONED_AFTER = timedelta(minutes=10)
"""A request in progress this long died with its process: its key may be used again."""
log = structlog.get_logger("requests")


@dataclass(frozen=True)
class Written:
    """What a write did: one line, the audit detail (no personal data) and, when not the default, more."""

    result: str
    detail: dict[str, Any] = field(default_factory=dict)
    answer: dict[str, Any] | None = None
    """The JSON answer; default {"account_id", "result", "by"}."""
    audited: tuple[str, ...] | None = None
    """The accounts whose audit logs record the request; default the request's own account."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


async def perform_write(
    ctx: OpsContext,
    *,
    actor: str,
    role: str,
    action: str,
    account_id: str,
    body: Mapping[str, Any],
    key: str | None,
    write: Callable[[], Awaitable[Written]],
) -> Answer:
    """Do `write` once for (actor, action, account_id, key) and audit the request as `request.<action>`.

    `actor` and `role` say who asks; `action` names the route (`payment`, `dispute`, ...);
    `account_id` is the account the write is about ('' for none, e.g. start, whose `Written.audited`
    names the accounts); `body` is the request's canonical JSON body; `key` the Idempotency-Key or None.

    - a key that is not 1-128 printable ASCII characters: OpsError (422), nothing applied;
    - the key already used by this actor on this route and account for another body: RequestConflict
      (409), nothing applied; still in progress: RequestConflict (409);
    - the key already used for this very request: its first answer (`replayed`), nothing applied again;
    - otherwise `write()` runs; if it raises, the key is released (a corrected retry may use it).
    Without a key every request is performed. Every performed or replayed request has its audit entry.
    """
    if key is not None and not KEY.fullmatch(key):
        _logged(actor, role, action, account_id, "refused: bad idempotency key")
        raise OpsError(f"Idempotency-Key must be 1 to 128 printable ASCII characters, got {len(key)}: nothing changed")
    scope = None if key is None else RequestScope(actor, action, account_id, key)
    if scope is not None and (earlier := await _claim(ctx, scope, role, fingerprint(action, account_id, body))):
        return await _replay(ctx, scope, role, earlier)
    try:
        written = await write()
    except Exception as err:
        if scope is not None:
            async with ctx.sessions() as session, session.begin():
                await release_request(session, scope)
        _logged(actor, role, action, account_id, f"refused: {type(err).__name__}: {err}", key)
        raise
    default = {"account_id": account_id, "result": written.result, "by": actor}
    answer = Answer(200, default if written.answer is None else written.answer)
    audited = list(written.audited if written.audited is not None else (account_id,))
    detail = {"role": role, **written.detail, "result": written.result} | ({} if key is None else {"key": key})
    async with ctx.sessions() as session, session.begin():
        if scope is not None:
            await complete_request(
                session, scope, status_code=answer.status_code, answer=answer.body, audited=audited, now=_now()
            )
        await _audit(session, audited, actor, action, detail)
    _logged(actor, role, action, account_id, written.result, key)
    return answer


def fingerprint(action: str, account_id: str, body: Mapping[str, Any]) -> str:
    """sha256 of the method, route, account and canonical JSON body: what makes two requests the same."""
    canonical = json.dumps(
        {"method": "POST", "route": action, "account_id": account_id, "body": body},
        sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str,
    )  # fmt: skip
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _claim(ctx: OpsContext, scope: RequestScope, role: str, print_: str) -> RequestView | None:
    """None when the key is ours now; the completed request to replay; RequestConflict otherwise."""
    now = _now()
    async with ctx.sessions() as session, session.begin():
        earlier = await claim_request(session, scope, fingerprint=print_, now=now, stale_before=now - ABANDONED_AFTER)
    if earlier is None:
        return None
    where = f"by {scope.caller} on {scope.route}" + (f" for account {scope.account_id}" if scope.account_id else "")
    if earlier.fingerprint != print_:
        _logged(scope.caller, role, scope.route, scope.account_id, "refused: key used for another request", scope.key)
        raise RequestConflict(
            f"Idempotency-Key {scope.key!r} was used for a different request {where}; nothing changed"
        )
    if earlier.state != DONE:
        _logged(scope.caller, role, scope.route, scope.account_id, "refused: key in progress", scope.key)
        raise RequestConflict(
            f"a request with Idempotency-Key {scope.key!r} {where} is still in progress; nothing changed"
        )
    return earlier


async def _replay(ctx: OpsContext, scope: RequestScope, role: str, earlier: RequestView) -> Answer:
    body = earlier.answer or {}
    detail = {"role": role, "replay": True, "key": scope.key, "result": body.get("result", "replayed")}
    async with ctx.sessions() as session, session.begin():
        await _audit(session, list(earlier.audited), scope.caller, scope.route, detail)
    _logged(scope.caller, role, scope.route, scope.account_id, "replayed", scope.key)
    return Answer(earlier.status_code or 200, body, replayed=True)


async def _audit(session: AsyncSession, accounts: list[str], actor: str, action: str, detail: dict[str, Any]) -> None:
    now = _now()
    for account_id in accounts:
        await repository.append_audit(
            session, account_id=account_id, action=f"request.{action}", detail=detail, actor=actor, now=now
        )


def _logged(actor: str, role: str, action: str, account_id: str, result: str, key: str | None = None) -> None:
    """One line per write request in the process's log (the web log): who, what, which account, what came of it."""
    log.info("request", caller=actor, role=role, action=action, account_id=account_id, result=result, key=key)


def _now() -> datetime:
    return datetime.now(UTC)
