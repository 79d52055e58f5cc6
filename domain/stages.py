"""The stage machine: where an account is in collections."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    CONTACTING = "contacting"
    NEGOTIATING = "negotiating"
    ON_PLAN = "on_plan"
    REFERRED = "referred"
    ON_HOLD = "on_hold"
    PAID = "paid"
    SETTLED = "settled"
    DISCHARGED = "discharged"
    WRITTEN_OFF = "written_off"
    CLOSED = "closed"
    RECALLED = "recalled"
    """The creditor took the account back (`event creditor-recall`): no more collection here."""

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STAGES

    @property
    def is_working(self) -> bool:
        """A stage that runs as a coroutine and that a hold can interrupt."""
        return self in WORKING_STAGES


WORKING_STAGES = frozenset({Stage.CONTACTING, Stage.NEGOTIATING, Stage.ON_PLAN, Stage.REFERRED})
TERMINAL_STAGES = frozenset(
    {Stage.PAID, Stage.SETTLED, Stage.DISCHARGED, Stage.WRITTEN_OFF, Stage.CLOSED, Stage.RECALLED}
)
