"""Which waiting account a collector should work first: a score from configured weights (pure).

    score = balance x (whole $100s of balance)      + days_past_due x (days past due)
          + promise_due (an open promise falls due today) + reminder (a note's reminder, a callback, is due)
          + approval_answered (a proposal was decided since the account was last taken)

Every weight is a whole number of points, zero or more, so the score is an integer and never goes down
when the balance, the days past due or the reasons grow. The weights come from QUEUE_PRIORITY
(`balance=1,days_past_due=2,...`): the ones it names replace the defaults below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

REMINDER = "reminder"
"""Queue reason: a note's reminder date has come (the store's notes, not a search attribute)."""
PROMISE_DUE = "promise_due"
"""Queue reason: an open promise to pay falls due today (the store's promises)."""
BALANCE_UNIT_CENTS = 10_000
"""The balance weight counts whole hundreds of dollars."""


@dataclass(frozen=True)
class Weights:
    balance: int = 1
    """Points per whole $100 of balance."""
    days_past_due: int = 1
    """Points per day past due."""
    promise_due: int = 100
    reminder: int = 50
    approval_answered: int = 75


DEFAULT_WEIGHTS = Weights()
WEIGHT_NAMES = tuple(f.name for f in dataclasses.fields(Weights))


class Waiting(Protocol):
    """What the score reads of a queue item."""

    @property
    def balance_cents(self) -> int | None: ...
    @property
    def days_past_due(self) -> int | None: ...
    @property
    def reasons(self) -> Sequence[str]: ...
    @property
    def approval_answered(self) -> bool: ...


def score(item: Waiting, weights: Weights = DEFAULT_WEIGHTS) -> int:
    """The item's priority: higher first."""
    hundreds = max(item.balance_cents or 0, 0) // BALANCE_UNIT_CENTS
    return (
        weights.balance * hundreds
        + weights.days_past_due * max(item.days_past_due or 0, 0)
        + (weights.promise_due if PROMISE_DUE in item.reasons else 0)
        + (weights.reminder if REMINDER in item.reasons else 0)
        + (weights.approval_answered if item.approval_answered else 0)
    )


def parse_weights(text: str) -> Weights:
    """`balance=1,days_past_due=2` (the names not given keep their defaults), or a one-line ValueError."""
    given: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, equals, value = (s.strip() for s in part.partition("="))
        if not equals:
            raise ValueError(f"expected name=points, got {part!r}")
        if name not in WEIGHT_NAMES:
            raise ValueError(f"unknown weight {name!r}; one of: {', '.join(WEIGHT_NAMES)}")
        if name in given:
            raise ValueError(f"weight {name!r} given twice")
        if not value.isdigit() or int(value) > 1_000_000:
            raise ValueError(f"weight {name!r} must be a whole number from 0 to 1000000, got {value!r}")
        given[name] = int(value)
    return Weights(**given)
