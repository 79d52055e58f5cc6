"""Authority over money (pure): which hold releases write a balance down, and who may apply or approve one.

Maker-checker: a write-down above the configured limit asked for by anyone but a supervisor waits for a
supervisor's approval, and the one who asked is never the one who approves.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.messages import HoldOutcome

SUPERVISOR = "supervisor"
"""The role that may apply any write-down and approve others' (web.tokens.Role.SUPERVISOR)."""
WRITE_DOWNS: dict[HoldOutcome, str] = {
    HoldOutcome.UPHELD: "dispute upheld",
    HoldOutcome.WRITE_OFF: "write-off",
    HoldOutcome.DISCHARGE: "bankruptcy discharge",
    HoldOutcome.CLOSE: "closed with a balance",
}
"""Hold outcomes that take money off a balance without a payment, and how each is named."""


@dataclass(frozen=True)
class WriteDown:
    outcome: HoldOutcome
    cents: int

    @property
    def what(self) -> str:
        return WRITE_DOWNS[self.outcome]


def write_down(outcome: HoldOutcome, *, balance_cents: int, disputed_cents: int | None) -> WriteDown | None:
    """The write-down a hold release makes (an upheld dispute takes off the disputed amount, at most the
    balance; the other outcomes the whole balance), or None when it takes nothing off."""
    if outcome not in WRITE_DOWNS:
        return None
    whole = max(balance_cents, 0)
    cents = min(whole, disputed_cents) if outcome == HoldOutcome.UPHELD and disputed_cents is not None else whole
    return WriteDown(outcome, cents) if cents > 0 else None


def needs_approval(role: str, cents: int, limit_cents: int) -> bool:
    """True when a write-down of `cents` asked for by `role` must wait for a supervisor: not a
    supervisor's, and more than the configured limit (a limit of 0: every one waits)."""
    return role != SUPERVISOR and cents > limit_cents


def approval_problem(*, requested_by: str, approver: str, approver_role: str) -> str | None:
    """Why `approver` may not decide a write-down `requested_by` asked for, or None."""
    if approver_role != SUPERVISOR:
        return f"only a supervisor decides a write-down; {approver} is {approver_role}"
    if same_person(requested_by, approver):
        return f"{approver.strip()} asked for this write-down: another supervisor decides it"
    return None


def same_person(one: str, other: str) -> bool:
    """Two names of one person (maker-checker compares the requester and the approver this way)."""
    return one.strip().casefold() == other.strip().casefold()


def may_approve(*, requested_by: str, approver: str, approver_role: str) -> bool:
    """A supervisor, never the one who asked."""
    return approval_problem(requested_by=requested_by, approver=approver, approver_role=approver_role) is None
