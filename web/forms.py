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
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel, ValidationError

from web.auth import presented_token

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
