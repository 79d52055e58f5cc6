"""Referral messages: the placement part of the workflow state and the referral activities' inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.referral import ReferralPolicy


@dataclass
class ActivePlacement:
    placement_no: int
    agency_id: str
    commission_bps: int
    placed_at: datetime
    last_paid_at: datetime | None = None
    """The latest payment reported by the agency: the recall clock restarts from it."""


@dataclass
class ReferralState:
    """Carried across continue-as-new."""

    placement: ActivePlacement | None = None
    placements_made: int = 0
    tried: list[str] = field(default_factory=list)
    """Agencies this account was placed with (not placed with again)."""
    recall_requested: str | None = None
    """Why a person asked for the account back; the stage recalls it."""


@dataclass
class PlaceAccountInput:
    account_id: str
    placement_no: int
    segment: str
    balance_cents: int
    tried: list[str]
    policy: ReferralPolicy
    internal_desk: bool = False
    """Straight to the internal desk (after a recall a person asked for)."""
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class PlacementResult:
    placement_no: int
    agency_id: str
    commission_bps: int
    placed_at: datetime


@dataclass
class RecallPlacementInput:
    account_id: str
    placement_no: int
    reason: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records


@dataclass
class RecallInput:
    """`starter.py placements recall ID`: take the account back from its agency."""

    reason: str = "recalled by operations"


@dataclass
class AccrueCommissionInput:
    account_id: str
    payment_reference: str
    at: datetime | None = None  # when the workflow decided (workflow.now()): the time the store records
