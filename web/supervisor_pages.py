"""The desk's supervisor pages: the approval queue, the suspense queue and the team's day.

Reading /approvals and /suspense needs `read` (a viewer sees the lists and no form); approving or declining
needs `approve` (ops.write_downs refuses the one who asked), applying a suspense item to an account `events`,
refunding one `approve`; /team needs `reports`. Every form goes through web.forms.submit (CSRF, done once per
rendering, audited with the caller like the API's writes, under the API's action names); a refusal renders
the page again with its line beside the row and nothing changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ops import approvals, disclosed, suspense, team, write_downs
from ops.context import OpsContext
from ops.requests import Written
from web import actions, forms
from web.auth import require
from web.bodies import Decision, SuspenseApply, SuspenseRefund, WriteDownDecision
from web.pages import page
from web.tokens import Caller, Permission

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
Reader = Annotated[Caller, Depends(require(Permission.READ))]
Approver = Annotated[Caller, Depends(require(Permission.APPROVE))]
Operator = Annotated[Caller, Depends(require(Permission.EVENTS))]
Reporter = Annotated[Caller, Depends(require(Permission.REPORTS))]
Refused = dict[str, forms.Submitted]
"""A refused form by the key of its row ('proposal-W1', 'write-down-3', 'suspense-7'): its fields and lines."""
Render = Callable[[Request, Caller, Refused, int], Awaitable[Response]]


def context(request: Request) -> OpsContext:
    ctx: OpsContext = request.app.state.ctx
    return ctx


def shown(
    request: Request, caller: Caller, name: str, status: int, refused: Refused, keys: set[str], **values: Any
) -> Response:
    """The page with the last redirect's result line (once) and each refusal beside its row (`keys`: the rows
    on the page; a refusal whose row is gone is shown at the top)."""
    done = forms.flashed(request)
    stray = [sent.errors for key, sent in refused.items() if key not in keys]
    response = page(request, name, caller, done=done, refused=refused, stray=stray, **values)
    response.status_code = status
    if done:
        forms.forget_flash(response)
    return response


async def after(request: Request, caller: Caller, sent: forms.Submitted, to: str, key: str, render: Render) -> Response:
    """Done: back to `to`, which says so once. Refused: the page again with the refusal beside row `key`."""
    if sent.done:
        return forms.done_redirect(to, sent.result or "done")
    return await render(request, caller, {key: sent}, sent.status)


# ---- approvals ----


async def approvals_page(request: Request, caller: Caller, refused: Refused, status: int = 200) -> Response:
    found = await approvals.waiting(context(request), actor=caller.name, role=caller.role)
    keys = {f"proposal-{p.account.account_id}" for p in found.proposals}
    keys |= {f"write-down-{w.number}" for w in found.write_downs}
    return shown(
        request, caller, "approvals.html", status, refused, keys, waiting=found,
        may_decide=caller.may(Permission.APPROVE),
    )  # fmt: skip


@router.get("/approvals")
async def approvals_list(request: Request, caller: Reader) -> Response:
    return await approvals_page(request, caller, {})


@router.post("/approvals/proposals/{account_id}")
async def decide_proposal(request: Request, account_id: str, caller: Approver) -> Response:
    ctx = context(request)

    sent = await forms.submit(
        request, caller, action="approval", account_id=account_id, model=Decision,
        write=lambda body: actions.approval(ctx, caller, account_id, body),
    )  # fmt: skip
    return await after(request, caller, sent, "/approvals", f"proposal-{account_id}", approvals_page)


@router.post("/approvals/write-downs/{number}")
async def decide_write_down(request: Request, number: int, caller: Approver) -> Response:
    ctx = context(request)
    found = await write_downs.get_write_down(ctx, number)

    async def write(body: WriteDownDecision) -> Written:
        result = await write_downs.decide(ctx, number, caller, approve=body.approve, reason=body.reason)
        return Written(result, {"write_down": number, "approve": body.approve})

    sent = await forms.submit(
        request, caller, action="write_down_approval", account_id=found.account_id, model=WriteDownDecision,
        write=write,
    )  # fmt: skip
    return await after(request, caller, sent, "/approvals", f"write-down-{number}", approvals_page)


# ---- suspense ----


async def suspense_page(request: Request, caller: Caller, refused: Refused, status: int = 200) -> Response:
    items = disclosed.suspense_for(await suspense.items(context(request)), caller.role)
    return shown(
        request, caller, "suspense.html", status, refused, {f"suspense-{i.id}" for i in items}, items=items,
        may_apply=caller.may(Permission.EVENTS), may_refund=caller.may(Permission.APPROVE),
    )  # fmt: skip


@router.get("/suspense")
async def suspense_list(request: Request, caller: Reader) -> Response:
    return await suspense_page(request, caller, {})


@router.post("/suspense/{item_id}/apply")
async def suspense_apply(request: Request, item_id: int, caller: Operator) -> Response:
    ctx = context(request)
    account = str((await request.form()).get("account", "")).strip()  # the request's account, as the API's

    async def write(body: SuspenseApply) -> Written:
        result = await suspense.apply_item(ctx, item_id, body.account, actor=caller.name, note=body.reason)
        return Written(result, {"suspense_item": item_id})

    sent = await forms.submit(
        request, caller, action="suspense.apply", account_id=account, model=SuspenseApply, write=write
    )
    return await after(request, caller, sent, "/suspense", f"suspense-{item_id}", suspense_page)


@router.post("/suspense/{item_id}/refund")
async def suspense_refund(request: Request, item_id: int, caller: Approver) -> Response:
    ctx = context(request)

    async def write(body: SuspenseRefund) -> Written:
        result = await suspense.refund_item(ctx, item_id, actor=caller.name, reason=body.reason)
        return Written(result, {"suspense_item": item_id}, audited=())  # no account: the item keeps who and why

    sent = await forms.submit(
        request, caller, action="suspense.refund", account_id="", model=SuspenseRefund, write=write
    )
    return await after(request, caller, sent, "/suspense", f"suspense-{item_id}", suspense_page)


# ---- the team's day ----


@router.get("/team")
async def team_view(request: Request, caller: Reporter, day: str | None = None) -> Response:
    today = datetime.now(UTC).date()
    try:
        wanted = date.fromisoformat(day) if day else today
    except ValueError:
        raise ValueError(f"day: a date as YYYY-MM-DD, got {str(day)[:20]!r}; nothing shown") from None
    found = await team.team_day(context(request), wanted)
    return page(request, "team.html", caller, team=found, today=today)
