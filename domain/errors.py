"""Business refusals: a request refused for what it asks, not for a fault of the code or the store.

Retrying cannot change the answer, so an activity reports a `Refused` to its workflow at once, as a
non-retryable ApplicationError whose type is the class name (activities/support.py, `store_activity`).
Everything else (a bare ValueError, KeyError, TypeError) is a fault: retried, never a refusal.
It subclasses ValueError so that callers outside activities (the CLI) keep one `except ValueError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Refused(ValueError):
    """A request refused for a business reason; nothing was changed. The message is one line."""


def parsed(parse: Callable[[str], T], value: str, what: str) -> T:
    """`parse(value)`, or Refused naming `what` when the value is not one (a date, a status)."""
    try:
        return parse(value)
    except ValueError:
        raise Refused(f"{what} {value!r} is not valid") from None
