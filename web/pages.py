"""Server-rendered pages for supervisors: read-only. Sign-in stores the token in an HttpOnly cookie."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from domain.money import format_cents
from ops import disclosed, reports, views
from ops.context import OpsContext
from ops.queue import work_queue
from store.reports import Period
from web import forms, presentation, wording
from web.auth import COOKIE, check_token, require
from web.charts import bar_chart
from web.tokens import Caller, Permission

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)  # pages: not the API
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["money"] = wording.money
templates.env.filters["when"] = wording.utc_time
templates.env.filters["clock"] = wording.clock
templates.env.filters["day"] = wording.day
templates.env.filters["words"] = wording.words
templates.env.filters["sentence"] = wording.sentence
templates.env.filters["reason"] = lambda code: wording.QUEUE_REASONS.get(code, wording.words(code))
templates.env.filters["queue_filter"] = lambda code: wording.QUEUE_FILTERS.get(code, wording.words(code))
templates.env.filters["timeline"] = presentation.timeline_text
templates.env.globals["csrf_token"] = forms.csrf_token
templates.env.globals["request_key"] = forms.request_key
templates.env.filters["percent"] = lambda rate: "–" if rate is None else f"{rate * 100:.1f}%"
Reader = Annotated[Caller, Depends(require(Permission.READ))]
DASHBOARD_QUEUE = 15


def context(request: Request) -> OpsContext:
    ctx: OpsContext = request.app.state.ctx
    return ctx


def page(request: Request, name: str, caller: Caller | None, **values: Any) -> Response:
    return templates.TemplateResponse(request, name, {"caller": caller, **values})


def error_page(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    caller = getattr(request.state, "caller", None)
    response = page(request, "error.html", caller, status=status, message=message)
    response.status_code = status
    response.headers.update(headers or {})
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    return page(request, "login.html", None, refused=False)


@router.post("/login")
async def login(request: Request, token: Annotated[str, Form()]) -> Response:
    try:
        caller = check_token(request, token.strip(), "sign-in")
    except HTTPException as err:  # 429: too many failures from this address
        response = page(request, "login.html", None, refused=False, waiting=err.detail)
        response.status_code, response.headers["Retry-After"] = err.status_code, (err.headers or {})["Retry-After"]
        return response
    if caller is None:
        response = page(request, "login.html", None, refused=True)
        response.status_code = 401
        return response
    response = RedirectResponse("/", status_code=303)
    secure = request.app.state.secure_cookie
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", secure=secure, max_age=12 * 3600)
    return response


@router.get("/logout")
async def logout_form(request: Request) -> Response:
    """Signing out changes state, so it is a POST (the header's button); this page only offers the button."""
    return page(request, "logout.html", None)


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=request.app.state.secure_cookie)
    return response


def last_month(today: date) -> Period:
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


def month_to_date(today: date) -> Period:
    return Period(today.replace(day=1), today)


@router.get("/")
async def dashboard(request: Request, caller: Reader) -> Response:
    ctx, today = context(request), datetime.now(UTC).date()
    values: dict[str, Any] = {
        "stages": await views.stage_counts(ctx),
        "holds": await views.hold_counts(ctx),
        "queue": await disclosed.queue_for(
            ctx, await work_queue(ctx, today=today, limit=DASHBOARD_QUEUE), actor=caller.name, role=caller.role,
            view="dashboard",
        ),
    }  # fmt: skip
    if caller.may(Permission.REPORTS):
        aged = await reports.aging(ctx.sessions, as_of=today, today=today)
        values["aging"] = aged["portfolio"]
        values["aging_chart"] = bar_chart(
            [(b, aged["portfolio"][b]["balance_cents"], format_cents(aged["portfolio"][b]["balance_cents"]))
             for b in aged["buckets"]],
            title="open balance by days past due",
        )  # fmt: skip
        this_month = await reports.kpis(ctx.sessions, month_to_date(today), today=today)
        previous = await reports.kpis(ctx.sessions, last_month(today), today=today)
        values["periods"] = [
            {
                "id": "this-month",
                "title": "This month to date",
                "span": presentation.period_span(this_month),
                **this_month,
            },
            {"id": "last-month", "title": "Last month", "span": presentation.period_span(previous), **previous},
        ]
        values["by_channel"] = presentation.channel_rows([this_month, previous], "collected_by_channel")
        values["by_agency"] = presentation.channel_rows([this_month, previous], "collected_by_agency")
    return page(request, "dashboard.html", caller, **values)


@router.get("/accounts")
async def accounts(request: Request, caller: Reader, stage: str | None = None, hold: str | None = None) -> Response:
    rows = await views.list_accounts(context(request), stage=stage or None, hold=hold or None, limit=500)
    return page(request, "accounts.html", caller, rows=rows, stage=stage, hold=hold)
