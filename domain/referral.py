"""Referral policy: which collection agency an account is placed with, and what that agency earns.

Pure functions of the strategy's `ReferralPolicy`, the account and the time, which is always a parameter
(this module runs inside the Temporal workflow sandbox). Money is integer cents, rates are basis points.

Rules worth knowing:
- Balances under `internal_desk_below_cents` stay with the in-house desk (`INTERNAL_DESK`, no commission).
- An account is placed with at most `max_placements` agencies, never twice with the same one; after that,
  or when no agency takes its segment and balance, the internal desk works it.
- Among eligible agencies the one with the fewest placements so far is chosen (round robin); ties go to
  the agency listed first in the strategy.
- A placement with no payment for `recall_after_days` days is recalled.
- Commission is exact: amount * basis points / 10,000, rounded half up to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

INTERNAL_DESK = "internal"
"""The in-house collections desk: it takes what no agency does and earns no commission."""


@dataclass(frozen=True)
class Agency:
    """A collection agency from the strategy file (plain numbers: it travels in `ContactPlan`)."""

    agency_id: str
    name: str
    commission_bps: int
    """Commission on what it collects, in basis points (100 = 1%)."""
    segments: tuple[str, ...] = ()
    """Segments it takes; empty means any segment."""
    min_balance_cents: int = 0
    max_balance_cents: int | None = None
    """The balance band it takes, both ends inclusive; None means no upper limit."""


@dataclass(frozen=True)
class ReferralPolicy:
    """Where referred accounts go, from the strategy's [referral] table."""

    agencies: tuple[Agency, ...] = ()
    internal_desk_below_cents: int = 0
    """Balances under this stay with the internal desk."""
    recall_after_days: int = 120
    """A placement with no payment in this many days is recalled."""
    max_placements: int = 2
    """Agency placements per account before the internal desk takes it."""


@dataclass(frozen=True)
class PlacementChoice:
    agency_id: str
    commission_bps: int


def internal_desk() -> PlacementChoice:
    """The in-house desk as a placement: no commission."""
    return PlacementChoice(INTERNAL_DESK, 0)


def is_eligible(agency: Agency, *, segment: str, balance_cents: int, tried: Sequence[str]) -> bool:
    """An agency takes the account: not tried before, its segment (or any), its balance band."""
    return (
        agency.agency_id not in tried
        and (not agency.segments or segment in agency.segments)
        and agency.min_balance_cents <= balance_cents
        and (agency.max_balance_cents is None or balance_cents <= agency.max_balance_cents)
    )


def choose_placement(
    policy: ReferralPolicy,
    *,
    segment: str,
    balance_cents: int,
    tried: tuple[str, ...] | list[str],
    placed_counts: dict[str, int],
    internal: bool = False,
) -> PlacementChoice:
    """The agency to place the account with next, or the internal desk (asked for by `internal`: after a recall
    by hand); round robin over eligible agencies."""
    if internal or balance_cents < policy.internal_desk_below_cents or len(tried) >= policy.max_placements:
        return internal_desk()
    eligible = [a for a in policy.agencies if is_eligible(a, segment=segment, balance_cents=balance_cents, tried=tried)]
    if not eligible:
        return internal_desk()
    chosen = min(eligible, key=lambda agency: placed_counts.get(agency.agency_id, 0))  # the first of equals wins
    return PlacementChoice(chosen.agency_id, chosen.commission_bps)


def recall_due_at(placed_at: datetime, policy: ReferralPolicy) -> datetime:
    """When a placement with no payment is recalled."""
    return placed_at + timedelta(days=policy.recall_after_days)


def commission_cents(amount_cents: int, commission_bps: int) -> int:
    """Commission on a collected amount, exact in integers: amount * bps / 10,000 rounded half up."""
    return (amount_cents * commission_bps + 5_000) // 10_000


def agency_source(agency_id: str) -> str:
    """The payment source of a payment an agency reports (`event payment ... --agency ID`)."""
    return f"agency:{agency_id}"
