"""Collection strategies: a versioned TOML file, validated at load, resolved per account.

A strategy names, per segment, an ordered contact cadence, the stage's exit thresholds and the
compliance profile (with state overlays such as 2 calls per 7 days), and for the whole strategy the
agencies referred accounts are placed with ([referral]). What a workflow carries is the resolved
`ContactPlan` of its account: plain numbers, so it serializes into Temporal as is. The file is read
by domain/strategy_file.py (`parse_strategy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import time
from typing import Any

from domain.compliance import ComplianceProfile
from domain.contact import Channel, Purpose
from domain.negotiation import NegotiationPolicy
from domain.referral import ReferralPolicy
from domain.stages import Stage

ANCHORS = ("start", "previous", "due_date")


class StrategyError(ValueError):
    """The strategy file is not valid; the message names the file and the field."""


@dataclass(frozen=True)
class CadenceStep:
    channel: Channel
    template: str
    after_seconds: int
    anchor: str = "previous"
    repeat: int = 1
    every_seconds: int = 0
    autodialed: bool = False
    validation_notice: bool = False
    purpose: Purpose = Purpose.COLLECTION
    """Why it is sent, where a standing instruction or the notice-first rule treats it apart (domain.contact)."""


@dataclass(frozen=True)
class ExitThresholds:
    right_party_contact: Stage = Stage.NEGOTIATING
    referral_days_past_due: int | None = None
    referral_attempts_without_contact: int | None = None
    refer_when_cadence_ends: bool = False


@dataclass(frozen=True)
class ComplianceSettings:
    """A compliance profile in plain numbers (minutes after local midnight for the hours)."""

    name: str = "reg-f"
    max_calls_per_7_days: int = 7
    quiet_days_after_conversation: int = 7
    earliest_minute: int = 8 * 60
    latest_minute: int = 21 * 60
    validation_notice_first: bool = True

    def as_profile(self) -> ComplianceProfile:
        return ComplianceProfile(
            max_calls_per_7_days=self.max_calls_per_7_days,
            quiet_days_after_conversation=self.quiet_days_after_conversation,
            earliest_local=time(self.earliest_minute // 60, self.earliest_minute % 60),
            latest_local=time(self.latest_minute // 60, self.latest_minute % 60),
            validation_notice_first=self.validation_notice_first,
            name=self.name,
        )


@dataclass(frozen=True)
class ContactPlan:
    """What one account's workflow follows: the resolved strategy for its segment and state."""

    strategy: str
    version: str
    segment: str
    cadence: list[CadenceStep]
    exit: ExitThresholds
    compliance: ComplianceSettings
    negotiation: NegotiationPolicy = field(default_factory=NegotiationPolicy)
    referral: ReferralPolicy = field(default_factory=ReferralPolicy)


@dataclass(frozen=True)
class SegmentStrategy:
    cadence: list[CadenceStep]
    exit: ExitThresholds
    profile: str
    negotiation: NegotiationPolicy = field(default_factory=NegotiationPolicy)


@dataclass(frozen=True)
class Strategy:
    name: str
    version: str
    segments: dict[str, SegmentStrategy]
    profiles: dict[str, ComplianceSettings]
    state_overlays: dict[str, dict[str, Any]] = field(default_factory=dict)
    referral: ReferralPolicy = field(default_factory=ReferralPolicy)

    def plan_for(self, *, segment: str, state: str) -> ContactPlan:
        chosen = self.segments.get(segment) or self.segments["default"]
        profile = self.profiles[chosen.profile]
        overlay = self.state_overlays.get(state.upper(), {})
        compliance = ComplianceSettings(**{**_as_dict(profile), **overlay})
        if overlay:
            compliance = ComplianceSettings(**{**_as_dict(compliance), "name": f"{profile.name}+{state.upper()}"})
        return ContactPlan(
            self.name, self.version, segment, chosen.cadence, chosen.exit, compliance, chosen.negotiation, self.referral
        )


def _as_dict(settings: ComplianceSettings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in fields(settings)}
