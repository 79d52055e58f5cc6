"""Who is at the keyboard: the identity an administrator configured for this OS user, never a flag.

Every CLI write resolves its caller here before anything happens, and goes through the same
`ops.requests.perform_write` as the web API: one `request.<action>` audit entry under that name and role.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cli.common import fail, run, settings, with_context
from ops.context import OpsContext
from ops.errors import OpsError
from ops.operators import operator_for
from ops.requests import Written, perform_write
from web.tokens import DOES, Caller, Permission


def caller(permission: Permission = Permission.EVENTS) -> Caller:
    """The configured caller of this OS user, allowed `permission`, or a one-line refusal (nothing changed)."""
    try:
        found = operator_for(settings().operators_file)
    except OpsError as err:
        fail(str(err))
    if not found.may(permission):
        fail(f"{found.name} ({found.role}) may not {DOES[permission]}: nothing changed")
    return found


async def perform(
    ctx: OpsContext, who: Caller, account_id: str, action: str, write: Callable[[], Awaitable[Written]]
) -> dict[str, Any]:
    """`write` as `who` from the CLI (no idempotency key: a person at a terminal), audited; its answer."""
    answer = await perform_write(
        ctx, actor=who.name, role=who.role, action=action, account_id=account_id, body={"via": "cli"}, key=None,
        write=write,
    )  # fmt: skip
    return answer.body


def act(
    account_id: str, action: str, send: Callable[[OpsContext, Caller], Awaitable[str]],
    detail: dict[str, Any] | None = None, permission: Permission = Permission.EVENTS,
) -> str:  # fmt: skip
    """Resolve the caller, then send as them; the request and its result go to the account's audit log."""
    who = caller(permission)

    async def go(ctx: OpsContext) -> str:
        async def write() -> Written:
            return Written(await send(ctx, who), {**(detail or {}), "via": "cli"})

        return str((await perform(ctx, who, account_id, action, write))["result"])

    answer: str = run(with_context(go))
    return answer
