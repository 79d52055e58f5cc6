"""The work queue in the JSON API: the queue (GET /api/queue), "next account" and giving one back.

The same functions as the page and the CLI (ops/queue.py, ops/claims.py). Taking and releasing are writes:
`operations` or above, once per Idempotency-Key, audited with the caller.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from ops import claims, disclosed
from ops.claims import NothingWaiting
from ops.context import OpsContext
from ops.queue import Filters, filtered_queue
from web.auth import require
from web.tokens import Caller, Permission

router = APIRouter(prefix="/api")
Reader = Annotated[Caller, Depends(require(Permission.READ))]
Operator = Annotated[Caller, Depends(require(Permission.EVENTS))]
IdempotencyKey = Annotated[str | None, Header(description="1 to 128 printable ASCII characters")]


def context(request: Request) -> OpsContext:
    ctx: OpsContext = request.app.state.ctx
    return ctx


@router.get("/queue")
async def queue(
    request: Request, caller: Reader, stage: str | None = None, hold: str | None = None, segment: str | None = None,
    creditor: str | None = None, reason: str | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The accounts waiting for a person, highest priority first, with who has taken each (`taken_by`, `taken_until`).
    `creditor` matches a medical creditor by its billing name."""
    filters = Filters.given(stage=stage, hold=hold, segment=segment, creditor=creditor, reason=reason)
    items = await filtered_queue(context(request), filters, today=datetime.now(UTC).date())
    shown = await disclosed.queue_for(context(request), items, actor=caller.name, role=caller.role, view="api_queue")
    return [item.as_dict() for item in shown]


@router.post("/queue/next")
async def next_account(
    request: Request, caller: Operator, stage: str | None = None, hold: str | None = None, segment: str | None = None,
    creditor: str | None = None, reason: str | None = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    """Take the first waiting account nobody else holds, for QUEUE_CLAIM_MINUTES: `{"account_id", "until", "result",
    "by"}`; 404 `{"error": "nothing waiting..."}` when none is free."""
    filters = Filters.given(stage=stage, hold=hold, segment=segment, creditor=creditor, reason=reason)
    try:
        taken = await claims.take_next(context(request), caller, filters, now=datetime.now(UTC), key=idempotency_key)
    except NothingWaiting as err:
        return JSONResponse({"error": str(err)}, status_code=404)
    return JSONResponse(taken)


@router.post("/queue/{account_id}/release")
async def release(
    request: Request, account_id: str, caller: Operator, idempotency_key: IdempotencyKey = None
) -> dict[str, str]:
    """Give back an account you took: free for anyone at once."""
    result = await claims.release(context(request), caller, account_id, now=datetime.now(UTC), key=idempotency_key)
    return {"account_id": account_id, "result": result, "by": caller.name}
