"""Pure hold rules: what each hold needs, its claim deadline, and keeping time on hold off the debtor's clock."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from domain.messages import AccountState, Hold, HoldInput, HoldKind, HoldReleaseInput
from domain.validation import CHAPTERS, MAX_REFERENCE  # noqa: F401 (where callers look for them)

BAR_DATE_DAYS = 70
"""Proof of claim deadline after the petition (non-governmental creditors, Fed. R. Bankr. P. 3002(c))."""
PROOF_OF_CLAIM = "proof_of_claim"
ESTATE_CLAIM = "estate_claim"
ESTATE_SOURCE = "estate"
"""The payment source of a payment from a deceased debtor's estate."""


def bankruptcy_hold(case_number: str, *, chapter: str, filed_on: str, court: str = "") -> HoldInput:
    detail = {"chapter": chapter, "case_number": case_number, "court": court, "filed_on": filed_on}
    return HoldInput(case_number, HoldKind.BANKRUPTCY, f"chapter {chapter}", detail)


def deceased_hold(reference: str, *, date_of_death: str) -> HoldInput:
    return HoldInput(reference, HoldKind.DECEASED, "debtor deceased", {"date_of_death": date_of_death})


def dispute_hold(reference: str, *, reason: str, disputed_cents: int | None = None) -> HoldInput:
    detail = {} if disputed_cents is None else {"disputed_cents": str(disputed_cents)}
    return HoldInput(reference, HoldKind.DISPUTE, reason, detail)


def bar_date(hold: Hold) -> date:
    """The last day to file a proof of claim: the petition date plus 70 days."""
    return date.fromisoformat(hold.detail["filed_on"]) + timedelta(days=BAR_DATE_DAYS)


def hold_to_release(state: AccountState, release: HoldReleaseInput) -> Hold | None:
    """The hold a release names: by reference, else the latest of its kind."""
    for hold in reversed(state.holds):
        if release.reference and hold.reference == release.reference:
            return hold
        if not release.reference and release.kind is not None and hold.kind == release.kind:
            return hold
    return None


def stops_placement(kind: HoldKind) -> bool:
    """A bankruptcy (automatic stay) or a death recalls the account from any agency."""
    return kind in (HoldKind.BANKRUPTCY, HoldKind.DECEASED)


def disputed_cents(hold: Hold, balance_cents: int) -> int:
    """The amount in dispute: as given, else the whole balance."""
    return int(hold.detail.get("disputed_cents", balance_cents))


def held_days(placed_at: datetime, released_at: datetime) -> int:
    """Whole days on hold, rounded up: the debtor's clocks move on by this much."""
    return max(0, math.ceil((released_at - placed_at) / timedelta(days=1)))


def _later(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def keep_hold_time_off_the_clock(state: AccountState, placed_at: datetime, released_at: datetime) -> None:
    """Collection resumes where it stopped: every clock the debtor is judged by moves on by the time on hold.

    Instants (the cadence, an approval's expiry, a stalled negotiation) move by the exact time; dates
    (installments, promises, the days-past-due threshold) by the whole days, rounded up.
    """
    exact = max(released_at - placed_at, timedelta(0))
    days = held_days(placed_at, released_at)
    progress = state.contact
    progress.held_days += days
    if progress.last_step_at is not None:
        progress.last_step_at += exact
    state.opened_at += exact
    talks = state.negotiation
    if talks.plan is not None:
        for installment in talks.plan.offer.installments:
            if installment.paid_cents < installment.amount_cents:
                installment.due_date = _later(installment.due_date, days)
    for promise in talks.promises:
        if promise.status == "open":
            promise.due_date = _later(promise.due_date, days)
    if talks.pending is not None:
        talks.pending.expires_at += exact
    if talks.quiet_since is not None:
        talks.quiet_since += exact
