"""The work queue page ("My queue" for a collector): the waiting accounts by priority, filters, the count,
who has taken what, and "Next account", which takes the first free one and opens it (ops/claims.py).

The page is a GET form (stage, hold, segment, creditor, reason); "Next account" and "Release" are POST forms
with the desk's CSRF token and request key (web/forms.py), for callers who may act (`events`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from domain.messages import HoldKind
from domain.stages import Stage
from ops import claims, disclosed
from ops.claims import NothingWaiting
from ops.queue import REASONS, Filters, filtered_queue
from web import forms, wording
from web.auth import require
from web.pages import Reader, context, page
from web.tokens import Caller, Permission

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
Collector = Annotated[Caller, Depends(require(Permission.EVENTS))]
FILTERS = ("stage", "hold", "segment", "creditor", "reason")


@router.get("/queue")
async def queue(
    request: Request, caller: Reader, stage: str | None = None, hold: str | None = None, segment: str | None = None,
    creditor: str | None = None, reason: str | None = None,
) -> Response:  # fmt: skip
    filters = Filters.given(stage=stage, hold=hold, segment=segment, creditor=creditor, reason=reason)
    return await queue_page(request, caller, filters)


@router.post("/queue/next")
async def next_account(request: Request, caller: Collector) -> Response:
    """Take the first free account and open it; the queue again, saying so, when nothing is waiting."""
    fields = await forms.checked_form(request)
    filters = Filters.given(**{name: fields.get(name) for name in FILTERS})
    try:
        taken = await claims.take_next(
            context(request), caller, filters, now=datetime.now(UTC), key=fields.get(forms.KEY_FIELD) or None
        )
    except NothingWaiting as err:
        return await queue_page(request, caller, filters, nothing=str(err))
    return forms.done_redirect(f"/accounts/{taken['account_id']}", taken["result"])


@router.post("/queue/release")
async def release(request: Request, caller: Collector) -> Response:
    """Give an account back to the queue (the collector's own claim)."""
    fields = await forms.checked_form(request)
    result = await claims.release(
        context(request), caller, fields.get("account", ""), now=datetime.now(UTC),
        key=fields.get(forms.KEY_FIELD) or None,
    )  # fmt: skip
    return forms.done_redirect("/queue", result)


async def queue_page(request: Request, caller: Caller, filters: Filters, *, nothing: str | None = None) -> Response:
    ctx = context(request)
    items = await filtered_queue(ctx, filters, today=datetime.now(UTC).date())
    items = await disclosed.queue_for(ctx, items, actor=caller.name, role=caller.role, view="queue_page")
    collector = caller.may(Permission.EVENTS)
    values: dict[str, Any] = {
        "items": items, "filters": filters, "reason": filters.reason, "wide": True, "nothing": nothing,
        "collector": collector, "done": forms.flashed(request),
        "title": "My queue" if caller.role == "operations" else "Work queue",
        "choices": {
            "stage": wording_choices(stage.value for stage in Stage),
            "hold": wording_choices(kind.value for kind in HoldKind),
            "reason": [(r, wording.QUEUE_FILTERS.get(r, wording.words(r))) for r in REASONS],
            "segment": _seen((item.segment for item in items), filters.segment),
            "creditor": _seen((item.creditor_key for item in items), filters.creditor),
        },
    }  # fmt: skip
    response = page(request, "queue.html", caller, **values)
    if values["done"]:
        forms.forget_flash(response)
    return response


def wording_choices(values: Iterable[str]) -> list[tuple[str, str]]:
    return [(value, wording.sentence(value)) for value in values]


def _seen(values: Iterable[str | None], chosen: str | None) -> list[tuple[str, str]]:
    """The values among the items shown (a medical creditor by its billing name), and the one chosen."""
    found = {value for value in values if value} | ({chosen} if chosen else set())
    return [(value, value) for value in sorted(found)]
