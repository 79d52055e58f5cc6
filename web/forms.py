"""The desk's forms: a CSRF token on every form, checked before anything is read or changed.

The token is an HMAC of the caller's sign-in token (the HttpOnly cookie), so it is stateless, holds in
every web process and after a restart, and a page of another site can neither read nor compute it.
The guard (web/guard.py) also refuses a POST whose Origin names another host. Each form also carries a
fresh request key: submitting the same form twice (a double click, the back button) is done once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from domain.intake import IntakeError
from domain.money import InvalidAmount
from ops.context import OpsContext
from ops.errors import NotAllowed, OpsError, RequestConflict
from ops.requests import Written, perform_write
from service.tokens import Caller
from web.auth import presented_token

REFUSALS = (OpsError, IntakeError, InvalidAmount, ValueError)
"""What a write refuses with: one line for the person, nothing changed."""
FLASH = "desk_done"
MONEY_FIELDS = ("amount", "settle")

CSRF_FIELD = "csrf"
KEY_FIELD = "request_key"


def csrf_token(request: Request) -> str:
    """The CSRF token for the signed-in caller's forms ('' when nobody is signed in)."""
    token, _ = presented_token(request)
    if not token:
        return ""
    return hmac.new(token.encode(), b"collections-desk-form", hashlib.sha256).hexdigest()


def request_key() -> str:
    """A fresh idempotency key for one rendering of a form."""
    return "form-" + secrets.token_urlsafe(18)


async def checked_form(request: Request) -> dict[str, str]:
    """The form's fields (trimmed; the CSRF field taken out), or 403 when its CSRF token is missing or wrong."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, ""))
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "this form has expired or came from another site: reload the page; nothing changed")
    return {name: str(value).strip() for name, value in form.items() if name != CSRF_FIELD}


class FieldError(ValueError):
    """A refusal that belongs next to one field of the form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parsed(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    """`fields` as `model` (empty fields left out, so defaults apply), or FieldError naming the first bad field."""
    given = {name: value for name, value in fields.items() if value != "" and name != KEY_FIELD}
    try:
        return model.model_validate(given)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "form"
        raise FieldError(field, f"{field.replace('_', ' ')}: {_plain(first['msg'])}; nothing changed") from None


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ").replace("Field required", "required")


def refusal_status(err: Exception) -> int:
    """The HTTP status of a refusal: 403 not allowed, 404 unknown account, 409 conflict, else 422."""
    if isinstance(err, NotAllowed):
        return 403
    if isinstance(err, RequestConflict):
        return 409
    return 404 if str(err).startswith("unknown account") else 422


@dataclass
class Submitted:
    """What came of a desk form: its fields (to show again), the result line, or the refusals by field."""

    fields: dict[str, str]
    result: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 200

    @property
    def done(self) -> bool:
        return self.result is not None


async def submit(
    request: Request, caller: Caller, *, action: str, account_id: str, model: type[BaseModel],
    write: Callable[[Any], Awaitable[Written]],
) -> Submitted:  # fmt: skip
    """A desk form through the same path as the API: CSRF checked, fields parsed into the API's body model,
    `write(body)` done once per form rendering (ops.requests.perform_write: audited with the caller).
    A refusal comes back by field ('form' when it names no field) and changes nothing."""
    fields = await checked_form(request)
    ctx: OpsContext = request.app.state.ctx
    try:
        body = parsed(model, fields)
        answer = await perform_write(
            ctx, actor=caller.name, role=caller.role, action=action, account_id=account_id,
            body=body.model_dump(mode="json"), key=fields.get(KEY_FIELD) or None, write=lambda: write(body),
        )  # fmt: skip
    except FieldError as err:
        return Submitted(fields, errors={err.field: str(err)}, status=422)
    except InvalidAmount as err:  # an amount as people type it, refused: next to the amount that was typed
        where = next((name for name in MONEY_FIELDS if fields.get(name)), "form")
        return Submitted(fields, errors={where: f"{err}; nothing changed"}, status=422)
    except REFUSALS as err:
        return Submitted(fields, errors={"form": str(err)}, status=refusal_status(err))
    return Submitted(fields, result=str(answer.body.get("result", "done")))


def done_redirect(to: str, result: str) -> RedirectResponse:
    """303 to `to`, which shows `result` once (a cookie read by the next page: not in the address)."""
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(FLASH, quote(result[:500]), max_age=120, httponly=True, samesite="strict")
    return response


def flashed(request: Request) -> str | None:
    """The result line a redirect left for this page, if any (forget it with `forget_flash`)."""
    value = request.cookies.get(FLASH)
    return unquote(value) if value else None


def forget_flash(response: Any) -> None:
    response.delete_cookie(FLASH, httponly=True, samesite="strict")
