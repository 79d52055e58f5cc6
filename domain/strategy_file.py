"""Reading a strategy file: the TOML checked field by field, each error naming the file and the field.

`parse_strategy` gives a `domain.strategy.Strategy`. A compliance profile or state overlay may only
tighten Regulation F and the rule packs (domain.rule_packs).
"""

from __future__ import annotations

import re
import tomllib
from datetime import time
from typing import Any

from domain.compliance import REG_F, ComplianceProfile
from domain.contact import Channel
from domain.money import InvalidAmount, format_cents, parse_amount
from domain.negotiation import NegotiationPolicy
from domain.referral import INTERNAL_DESK, Agency, ReferralPolicy
from domain.rule_packs import floor_for, loosened_fields
from domain.stages import Stage
from domain.strategy import (
    ANCHORS,
    CadenceStep,
    ComplianceSettings,
    ExitThresholds,
    SegmentStrategy,
    Strategy,
    StrategyError,
)

_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_PERCENT = re.compile(r"^(\d{1,3})(?:\.(\d{1,2}))?\s*%$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object, where: str) -> int:
    match = _DURATION.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        raise StrategyError(f"{where}: expected a duration like 30s, 15m, 2h or 3d, got {value!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def parse_percent(value: object, where: str) -> int:
    """A discount: '12.5%' -> 1250 basis points; two decimals at most (a basis point), under 100%."""
    match = _PERCENT.match(value.strip()) if isinstance(value, str) else None
    bps = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0")) if match else None
    if bps is None or bps >= 10_000:
        raise StrategyError(f"{where}: expected a percentage under 100% like 5% or 12.5%, got {value!r}")
    return bps


def _hour_minute(value: object, where: str) -> int:
    match = re.match(r"^(\d{1,2}):(\d{2})$", value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise StrategyError(f"{where}: expected a local time like 08:00, got {value!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


class _Reader:
    """Typed access to one TOML table with errors that name the field."""

    def __init__(self, table: object, where: str, known: set[str]) -> None:
        if not isinstance(table, dict):
            raise StrategyError(f"{where}: expected a table")
        unknown = sorted(set(table) - known)
        if unknown:
            raise StrategyError(f"{where}: unknown field(s) {', '.join(unknown)}")
        self.table, self.where = table, where

    def get(self, key: str, kind: type, default: Any = ..., *, minimum: int | None = None) -> Any:
        where = f"{self.where}.{key}"
        if key not in self.table:
            if default is ...:
                raise StrategyError(f"{where}: required")
            return default
        value: Any = self.table[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise StrategyError(f"{where}: expected a whole number, got {value!r}")
        if not isinstance(value, kind):
            raise StrategyError(f"{where}: expected {kind.__name__}, got {value!r}")
        if minimum is not None and isinstance(value, int) and value < minimum:
            raise StrategyError(f"{where}: must be at least {minimum}, got {value}")
        return value


_NEGOTIATION_FIELDS = {
    "max_installments", "min_installment", "first_payment_within_days", "installment_interval_days",
    "in_policy_discount", "approval_limits", "grace_days", "approval_expires_hours", "max_renegotiations",
    "stall_days", "max_broken_promises",
    "reminder_channels",
}  # fmt: skip
_REFERRAL_FIELDS = {"internal_desk_below", "recall_after_days", "max_placements", "agencies"}
_AGENCY_FIELDS = {"id", "name", "commission", "segments", "min_balance", "max_balance"}
_STEP_FIELDS = {"channel", "template", "after", "anchor", "repeat", "every", "autodialed", "validation_notice"}
_EXIT_FIELDS = {
    "right_party_contact", "referral_days_past_due", "referral_attempts_without_contact", "refer_when_cadence_ends",
}  # fmt: skip
_PROFILE_FIELDS = {
    "max_calls_per_7_days", "quiet_days_after_conversation", "earliest", "latest", "validation_notice_first",
}  # fmt: skip


def _step(table: object, where: str) -> CadenceStep:
    read = _Reader(table, where, _STEP_FIELDS)
    try:
        channel = Channel(read.get("channel", str))
    except ValueError:
        raise StrategyError(f"{where}.channel: one of {', '.join(c.value for c in Channel)}") from None
    anchor = read.get("anchor", str, "previous")
    if anchor not in ANCHORS:
        raise StrategyError(f"{where}.anchor: one of {', '.join(ANCHORS)}, got {anchor!r}")
    repeat = read.get("repeat", int, 1, minimum=1)
    every = parse_duration(read.get("every", str), f"{where}.every") if repeat > 1 else 0
    validation_notice = read.get("validation_notice", bool, False)
    if validation_notice and channel != Channel.LETTER:
        raise StrategyError(f"{where}.validation_notice: the validation notice is a letter")
    return CadenceStep(
        channel=channel,
        template=read.get("template", str, "validation_notice" if validation_notice else "reminder"),
        after_seconds=parse_duration(read.get("after", str, "0s"), f"{where}.after"),
        anchor=anchor,
        repeat=repeat,
        every_seconds=every,
        autodialed=read.get("autodialed", bool, False),
        validation_notice=validation_notice,
    )


def _exit(table: object, where: str) -> ExitThresholds:
    read = _Reader(table, where, _EXIT_FIELDS)
    try:
        rpc_stage = Stage(read.get("right_party_contact", str, Stage.NEGOTIATING.value))
    except ValueError:
        raise StrategyError(f"{where}.right_party_contact: not a stage") from None
    return ExitThresholds(
        right_party_contact=rpc_stage,
        referral_days_past_due=read.get("referral_days_past_due", int, None, minimum=1),
        referral_attempts_without_contact=read.get("referral_attempts_without_contact", int, None, minimum=1),
        refer_when_cadence_ends=read.get("refer_when_cadence_ends", bool, False),
    )


def _approval_limits(table: object, where: str, in_policy_bps: int) -> tuple[tuple[str, int], ...]:
    """{ collector = "10%", supervisor = "30%" } -> (role, basis points), least senior (smallest limit) first."""
    if not isinstance(table, dict):
        raise StrategyError(f'{where}: expected a table of role = "percent", like {{ supervisor = "30%" }}')
    limits = []
    for role, value in table.items():
        bps = parse_percent(value, f"{where}.{role}")
        if bps < in_policy_bps:
            raise StrategyError(f"{where}.{role}: {value} is under the in-policy discount, which needs no approval")
        limits.append((str(role), bps))
    return tuple(sorted(limits, key=lambda limit: limit[1]))


def _negotiation(table: object, where: str) -> NegotiationPolicy:
    read = _Reader(table, where, _NEGOTIATION_FIELDS)
    defaults = NegotiationPolicy()
    min_installment = read.get("min_installment", str, None)
    try:
        min_cents = (
            defaults.min_installment_cents
            if min_installment is None
            else parse_amount(min_installment, allow_zero=True)
        )
    except InvalidAmount as err:
        raise StrategyError(f"{where}.min_installment: {err}") from None
    in_policy = parse_percent(read.get("in_policy_discount", str, "0%"), f"{where}.in_policy_discount")
    limits = read.get("approval_limits", dict, None)
    return NegotiationPolicy(
        max_installments=read.get("max_installments", int, defaults.max_installments, minimum=1),
        min_installment_cents=min_cents,
        first_payment_within_days=read.get(
            "first_payment_within_days", int, defaults.first_payment_within_days, minimum=0
        ),
        installment_interval_days=read.get(
            "installment_interval_days", int, defaults.installment_interval_days, minimum=1
        ),
        in_policy_discount_bps=in_policy,
        role_authority_bps=(
            defaults.role_authority_bps
            if limits is None
            else _approval_limits(limits, f"{where}.approval_limits", in_policy)
        ),
        grace_days=read.get("grace_days", int, defaults.grace_days, minimum=0),
        approval_expires_hours=read.get("approval_expires_hours", int, defaults.approval_expires_hours, minimum=1),
        max_renegotiations=read.get("max_renegotiations", int, defaults.max_renegotiations, minimum=0),
        stall_days=read.get("stall_days", int, defaults.stall_days, minimum=1),
        max_broken_promises=read.get("max_broken_promises", int, defaults.max_broken_promises, minimum=1),
        reminder_channels=_channels(
            read.get("reminder_channels", list, list(defaults.reminder_channels)), f"{where}.reminder_channels"
        ),
    )


def _money(read: _Reader, key: str) -> int | None:
    """An optional amount in dollars and cents ("100.00") as cents, zero allowed; None when missing."""
    value = read.get(key, str, None)
    try:
        return None if value is None else parse_amount(value, allow_zero=True)
    except InvalidAmount as err:
        raise StrategyError(f"{read.where}.{key}: {err}") from None


def _agency(table: object, where: str) -> Agency:
    read = _Reader(table, where, _AGENCY_FIELDS)
    agency_id = read.get("id", str)
    if not agency_id.strip() or agency_id == INTERNAL_DESK:
        raise StrategyError(f"{where}.id: {agency_id!r} cannot name an agency (empty, or the internal desk)")
    segments = read.get("segments", list, [])
    if not all(isinstance(segment, str) for segment in segments):
        raise StrategyError(f"{where}.segments: expected a list of segment names, got {segments!r}")
    min_cents = _money(read, "min_balance") or 0
    max_cents = _money(read, "max_balance")
    if max_cents is not None and min_cents > max_cents:
        raise StrategyError(
            f"{where}.min_balance: {format_cents(min_cents)} is over max_balance {format_cents(max_cents)}"
        )
    return Agency(
        agency_id=agency_id,
        name=read.get("name", str, agency_id),
        commission_bps=parse_percent(read.get("commission", str), f"{where}.commission"),
        segments=tuple(segments),
        min_balance_cents=min_cents,
        max_balance_cents=max_cents,
    )


def _referral(table: object, where: str) -> ReferralPolicy:
    read = _Reader(table, where, _REFERRAL_FIELDS)
    defaults = ReferralPolicy()
    agencies: list[Agency] = []
    for i, agency_table in enumerate(read.get("agencies", list, [])):
        agency = _agency(agency_table, f"{where}.agencies[{i}]")
        if any(known.agency_id == agency.agency_id for known in agencies):
            raise StrategyError(f"{where}.agencies[{i}].id: duplicate agency id {agency.agency_id!r}")
        agencies.append(agency)
    return ReferralPolicy(
        agencies=tuple(agencies),
        internal_desk_below_cents=_money(read, "internal_desk_below") or 0,
        recall_after_days=read.get("recall_after_days", int, defaults.recall_after_days, minimum=1),
        max_placements=read.get("max_placements", int, defaults.max_placements, minimum=0),
    )


def _channels(names: list[object], where: str) -> tuple[str, ...]:
    known = {c.value for c in Channel}
    for name in names:
        if name not in known:
            raise StrategyError(f"{where}: {name!r} is not a channel (one of {', '.join(sorted(known))})")
    return tuple(str(n) for n in names)


def _profile(name: str, table: object, where: str, *, overlay: bool = False) -> ComplianceSettings:
    read = _Reader(table, where, _PROFILE_FIELDS)
    earliest = _hour_minute(read.get("earliest", str, "08:00"), f"{where}.earliest")
    latest = _hour_minute(read.get("latest", str, "21:00"), f"{where}.latest")
    if earliest >= latest:
        raise StrategyError(f"{where}: earliest must be before latest")
    settings = ComplianceSettings(
        name=name,
        max_calls_per_7_days=read.get("max_calls_per_7_days", int, 7, minimum=0),
        quiet_days_after_conversation=read.get("quiet_days_after_conversation", int, 7, minimum=0),
        earliest_minute=earliest,
        latest_minute=latest,
        validation_notice_first=read.get("validation_notice_first", bool, True),
    )
    if not overlay:
        _only_tightens(settings, read.table, where, "Regulation F", REG_F)
    return settings


_PROFILE_FIELD = {"earliest": "earliest_local", "latest": "latest_local"}
_LOOSER = {
    "max_calls_per_7_days": "at most {value} calls in 7 days",
    "quiet_days_after_conversation": "{value} quiet days after a conversation",
    "earliest_local": "no contact before {value}",
    "latest_local": "no contact from {value}",
    "validation_notice_first": "the validation notice first",
}


def _only_tightens(
    settings: ComplianceSettings, table: dict[str, Any], where: str, floor_name: str, floor: ComplianceProfile
) -> None:
    """A strategy can only tighten Regulation F and the rule packs (domain.rule_packs): the most restrictive
    rule applies anyway, so a looser number would only mislead whoever reads the file."""
    keys = {_PROFILE_FIELD.get(str(key), str(key)): str(key) for key in table}
    for field_name in loosened_fields(settings.as_profile(), floor, keys):
        value = getattr(floor, field_name)
        shown = value.strftime("%H:%M") if isinstance(value, time) else value
        given = table[keys[field_name]]
        given = str(given).lower() if isinstance(given, bool) else repr(given)
        raise StrategyError(
            f"{where}.{keys[field_name]}: {given} would loosen {floor_name}: "
            f"{_LOOSER[field_name].format(value=shown)}; a strategy can only tighten it"
        )


def _overlay(state: str, table: object, where: str) -> dict[str, Any]:
    if not re.fullmatch(r"[A-Z]{2}", state):
        raise StrategyError(f"{where}: state overlays are keyed by two-letter state codes, got {state!r}")
    base = _profile("overlay", table, where, overlay=True)
    read = _Reader(table, where, _PROFILE_FIELDS)
    _only_tightens(base, read.table, where, *floor_for(state))
    renamed = {"earliest": "earliest_minute", "latest": "latest_minute"}
    names = [renamed.get(str(key), str(key)) for key in read.table]
    return {name: getattr(base, name) for name in names}


def parse_strategy(text: str, *, source: str) -> Strategy:
    """Parse and validate a strategy file; StrategyError names the file and the field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise StrategyError(f"{source}: not valid TOML: {err}") from None
    try:
        read = _Reader(document, source, {"name", "version", "segments", "profiles", "state_overlays", "referral"})
        profiles = {
            name: _profile(name, table, f"{source}: profiles.{name}")
            for name, table in read.get("profiles", dict, {"reg-f": {}}).items()
        }
        segments = {}
        for name, table in read.get("segments", dict).items():
            where = f"{source}: segments.{name}"
            seg = _Reader(table, where, {"cadence", "exit", "profile", "negotiation"})
            steps = seg.get("cadence", list)
            if not steps:
                raise StrategyError(f"{where}.cadence: at least one step")
            profile = seg.get("profile", str, next(iter(profiles)))
            if profile not in profiles:
                raise StrategyError(f"{where}.profile: no profile named {profile!r}")
            cadence = [_step(step, f"{where}.cadence[{i}]") for i, step in enumerate(steps)]
            segments[name] = SegmentStrategy(
                cadence,
                _exit(seg.get("exit", dict, {}), f"{where}.exit"),
                profile,
                _negotiation(seg.get("negotiation", dict, {}), f"{where}.negotiation"),
            )
        if "default" not in segments:
            raise StrategyError(f"{source}: segments.default is required (accounts of other segments fall back to it)")
        overlays = {
            state: _overlay(state, table, f"{source}: state_overlays.{state}")
            for state, table in read.get("state_overlays", dict, {}).items()
        }
        referral = _referral(read.get("referral", dict, {}), f"{source}: referral")
        return Strategy(read.get("name", str), read.get("version", str), segments, profiles, overlays, referral)
    except StrategyError:
        raise
    except (TypeError, AttributeError) as err:
        raise StrategyError(f"{source}: malformed strategy: {err}") from None
