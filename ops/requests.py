"""Who asked for a change: one audit entry per write request from the web API (or any other front end)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ops.context import OpsContext
from store import repository


async def record_request(
    ctx: OpsContext,
    *,
    account_id: str,
    actor: str,
    role: str,
    action: str,
    detail: dict[str, Any],
    key: str | None = None,
) -> None:
    """Append `request.<action>` by `actor` to the account's audit log (once per `key` when given)."""
    async with ctx.sessions() as session, session.begin():
        await repository.append_audit(
            session, account_id=account_id, action=f"request.{action}", detail={"role": role, **detail},
            actor=actor, now=datetime.now(UTC), idempotency_key=None if key is None else f"request:{key}",
        )  # fmt: skip
