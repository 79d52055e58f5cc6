"""The account page as a workspace: what the account is, and for those who may act, a form per action.

Every form posts to `/accounts/{id}/desk/{action}` and goes through web/forms.submit: CSRF checked, its
fields parsed into the API's body (web/bodies.py), the same write as the API (web/actions.py), once per
rendering of the form, audited with the caller. A refusal shows the page again with its line next to the
field and nothing changed; a success redirects to the page, which says what was done.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from domain.stages import Stage
from ops import applied, calls, disclosed, negotiation, statements
from ops.errors import OpsError
from store import repository
from web import desk_view, forms, presentation
from web.actions import DESK
from web.forms import Submitted
from web.pages import Reader, context, page
from web.tokens import DOES, Caller, Permission

TERMINAL = {stage.value for stage in Stage if stage.is_terminal}
"""The stages an account ends in: nothing to work on the desk (the stage machine's own word, domain/stages.py)."""
router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


@router.get("/accounts/{account_id}")
async def account(request: Request, account_id: str, caller: Reader) -> Response:
    return await workspace(request, caller, account_id)


@router.post("/accounts/{account_id}/desk/{action}")
async def act(request: Request, account_id: str, action: str, caller: Reader) -> Response:
    found = DESK.get(action)
    if found is None:
        raise HTTPException(404, f"no such action {action!r} on the desk")
    if not caller.may(found.permission):
        raise HTTPException(403, f"the {caller.role} role may not {DOES[found.permission]}: nothing changed")
    ctx = context(request)
    submitted = await forms.submit(
        request, caller, action=found.name, account_id=account_id, model=found.body,
        write=lambda body: found.write(ctx, caller, account_id, body),
    )  # fmt: skip
    if submitted.done:
        await applied.workflow_quiet(ctx, account_id)  # the page then shows what the event changed
        target = f"/accounts/{account_id}/statement" if action == "duplicate_statement" else f"/accounts/{account_id}"
        return forms.done_redirect(target, submitted.result or "done")
    return await workspace(request, caller, account_id, refused=submitted, action=action)


@router.get("/accounts/{account_id}/statement")
async def duplicate_statement(request: Request, account_id: str, caller: Reader) -> Response:
    """The duplicate statement the desk just reprinted, to print or send (operations and supervisors)."""
    if not caller.may(Permission.EVENTS):
        raise HTTPException(403, f"the {caller.role} role may not {DOES[Permission.EVENTS]}")
    ctx, today = context(request), datetime.now(UTC).date()
    shown = await statements.statement(
        ctx.sessions, account_id, as_of=today, company_contact=ctx.settings.company_contact, reprinted_on=today
    )
    response = HTMLResponse(statements.statement_html(shown))
    if done := forms.flashed(request):
        forms.forget_flash(response)
        response.headers["X-Desk-Done"] = done[:200].encode("ascii", "replace").decode()
    return response


async def workspace(
    request: Request, caller: Caller, account_id: str, *, refused: Submitted | None = None, action: str | None = None
) -> Response:
    """The account page; with the desk's forms for a caller who may act (`refused`: the form to show again)."""
    ctx, today = context(request), datetime.now(UTC).date()
    full, picture = await disclosed.picture_for(
        ctx, account_id, actor=caller.name, role=caller.role, view="account_page"
    )
    async with ctx.sessions() as session:
        attempts = await repository.attempts_for(session, account_id)
        zones = await repository.attempt_zones(session, attempts)
    shown = presentation.account_page(full, attempts, zones, today=today, role=caller.role)
    values: dict[str, Any] = {"done": forms.flashed(request), "action": action}
    values["debtor_clock"] = presentation.local_clock(shown["debtor_zone"], datetime.now(UTC))
    if refused is not None:
        values |= {"errors": refused.errors, "sent": refused.fields}
    if caller.may(Permission.EVENTS):
        values["desk"] = await _desk(request, caller, account_id, full, picture, attempts, shown["currency"])
    response = page(request, "account.html", caller, account_id=account_id, **picture, **shown, **values)
    if values["done"]:
        forms.forget_flash(response)
    if refused is not None:
        response.status_code = refused.status
    return response


async def _desk(
    request: Request,
    caller: Caller,
    account_id: str,
    full: dict[str, Any],
    shown: dict[str, Any],
    attempts: list[Any],
    currency: str,
) -> dict[str, Any]:
    """The forms' choices: `full` is the account as recorded, `shown` as the caller's role may see it."""
    ctx, today = context(request), datetime.now(UTC).date()
    stage = full["status"].get("stage")
    closed = stage in TERMINAL
    try:
        offers = [] if closed else await negotiation.offers(ctx, account_id)
    except OpsError:
        offers = []
    gate = await calls.next_call(ctx, account_id)
    points = shown["contact_points"]
    async with ctx.sessions() as session:
        claim = (await repository.account_claims(session, [account_id])).get(account_id)
    now = datetime.now(UTC)
    held = claim is not None and claim.held_at(now) and claim.collector != caller.name
    return {
        "today": today.isoformat(),
        "call_gate": gate.text,
        "call_allowed": gate.gate is not None and gate.gate.allowed_now,
        "phones": desk_view.usable_points(points, "phone"),
        "emails": desk_view.usable_points(points, "email"),
        "points": [p for kind in ("phone", "email", "address") for p in desk_view.usable_points(points, kind)],
        "retire_reasons": desk_view.choices(desk_view.RETIRE_REASONS),
        "open_attempts": desk_view.open_attempts(attempts),
        "call_outcomes": desk_view.choices(desk_view.CALL_OUTCOMES, pick=True),
        "inbound_channels": desk_view.choices(desk_view.INBOUND_CHANNELS),
        "opt_out_channels": desk_view.choices(desk_view.OPT_OUT_CHANNELS),
        "sources": desk_view.choices(desk_view.SOURCES),
        "offers": []
        if stage == "on_plan" or full["status"].get("pending_approval")
        else desk_view.offer_rows(offers, currency),
        "on_plan": stage == "on_plan",
        "reminders": desk_view.due_reminders(shown["notes"], today),
        "pending_approval": full["status"].get("pending_approval"),
        "may_approve": caller.may(Permission.APPROVE),
        "closed": bool(closed),
        "open_holds": {h["kind"] for h in shown["holds"] if not h.get("released_at")},
        "taken_by": f"{claim.collector} took this account from the queue until {claim.expires_at:%H:%M} UTC"
        if held and claim is not None
        else None,
    }
