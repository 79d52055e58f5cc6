"""What the account machine asks of its interpreter, and what it is handed back.

The machine (domain/machine.py) is a generator: it yields a command, and the interpreter (the workflow in
production, ops/fast_engine.py in a what-if) performs it and sends the answer back. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from domain.messages import AccountState

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """Run the store activity `activity` (its method name) with `request`; the answer is its result.

    `refusable`: a business refusal comes back as `Refused` instead of ending the run.
    `local`: a short store write, run as a local activity (no round trip through the task queue).
    """

    activity: str
    request: Any
    refusable: bool = False
    local: bool = True


@dataclass(frozen=True)
class Wait:
    """Sleep until `until` (None: until an event); the answer is the events that arrived, already handled."""

    until: datetime | None
    summary: str = ""


@dataclass(frozen=True)
class Refused:
    """A store activity's business refusal (UnknownAccount, StoreRefused, a gate's refusal, ...)."""

    type: str
    message: str


Command = Call | Wait
Flow = Generator[Command, Any, T]
"""A piece of the machine: yields commands, gets their answers, returns its result."""


@dataclass
class Event:
    """A signal or update the workflow received, in arrival order; updates read `answer` once `done`."""

    payload: Any
    answer: Any = None
    done: bool = False


@dataclass
class Context:
    """What every part of the machine is given: the account's state, the clock, a log line."""

    state: AccountState
    now: Callable[[], datetime]
    log: Callable[[str], None] = field(default=lambda line: None)


def call(activity: str, request: Any, *, refusable: bool = False, local: bool = True) -> Flow[Any]:
    """`answer = yield from call(...)`: one store activity."""
    return (yield Call(activity, request, refusable=refusable, local=local))
