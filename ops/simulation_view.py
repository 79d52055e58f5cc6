"""The simulation report as a table (one column per strategy, side by side), and its attempts as a file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from sqlalchemy import select

from domain.money import format_cents
from domain.stages import Stage
from domain.strategy import Strategy
from ops.contact_audit_file import COLUMNS as ATTEMPT_COLUMNS
from ops.csv_files import write_new_csv
from store.models import AccountRow, AuditEntryRow, ContactAttemptRow, ContactPointRow, HoldRow

if TYPE_CHECKING:
    from ops.simulation import SimulationReport  # the simulation writes its attempts through this module


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def report_table(reports: Sequence[SimulationReport]) -> Table:
    first = reports[0]
    table = Table(
        "", *(r.strategy for r in reports), title=f"{first.accounts} accounts, {first.days} days, seed {first.seed}"
    )
    rows: list[tuple[str, list[str]]] = [
        (f"accounts {stage.value}", [str(r.by_stage.get(stage.value, 0)) for r in reports]) for stage in Stage
    ]
    rows += [
        ("amount collected", [format_cents(r.collected_cents) for r in reports]),
        ("cure rate (paid or settled)", [_pct(r.cure_rate) for r in reports]),
        ("promise-kept rate", [_pct(r.promise_kept_rate) for r in reports]),
        ("right-party-contact rate", [_pct(r.right_party_contact_rate) for r in reports]),
        ("average days to resolution", [str(r.avg_days_to_resolution or "n/a") for r in reports]),
    ]
    channels = sorted({c for r in reports for c in r.attempts_by_channel})
    rows += [(f"attempts by {c}", [str(r.attempts_by_channel.get(c, 0)) for r in reports]) for c in channels]
    rules = sorted({rule for r in reports for rule in r.blocks_by_rule})
    rows += [(f"blocked by {rule}", [str(r.blocks_by_rule.get(rule, 0)) for r in reports]) for rule in rules]
    rows += [
        ("wall-clock seconds", [str(r.wall_seconds) for r in reports]),
        ("simulated account-days per second", [str(r.account_days_per_second) for r in reports]),
    ]
    for label, values in rows:
        table.add_row(label, *values)
    return table


def difference_table(current: SimulationReport, proposed: SimulationReport, difference: dict[str, Any]) -> Table:
    """ops.what_if.difference as a table: what `proposed` does more (+) or less (-) than `current`."""
    table = Table("", "difference", title=f"{proposed.strategy} against {current.strategy}")
    cents = difference["collected_cents"]
    table.add_row("amount collected", ("+" if cents > 0 else "") + format_cents(cents))
    table.add_row("cure rate (paid or settled)", f"{difference['cure_rate'] * 100:+.1f} points")
    for key, label in (
        ("by_stage", "accounts"),
        ("attempts_by_channel", "attempts by"),
        ("blocks_by_rule", "blocked by"),
    ):
        for name, change in difference[key].items():
            table.add_row(f"{label} {name}", f"{change:+d}")
    return table


# --- the attempts export (`simulate --attempts FILE`), read by ops/contact_audit.py --------------------------------


def _iso(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(UTC).isoformat()


def _window(what: str, start: datetime, end: datetime | None) -> str:
    return f"{what}@{_iso(start)}..{_iso(end)}"


def _opt_out_windows(point: ContactPointRow, changes: list[tuple[datetime, dict[str, Any]]]) -> list[str]:
    """A point's opt-outs as windows, from its audited flag changes (contact_point.flags) in time order;
    one the audit log does not explain (loaded with the account) holds from the point's creation."""
    open_at: dict[str, datetime] = {}
    windows: list[str] = []
    channels: set[str] = set()
    for at, detail in changes:
        if "opted_out" in detail:
            if detail["opted_out"]:
                open_at.setdefault("all", at)
            elif "all" in open_at:
                windows.append(_window("all", open_at.pop("all"), at))
        if "opted_out_channels" in detail:
            now = set(detail["opted_out_channels"])
            for channel in now - channels:
                open_at.setdefault(channel, at)
            for channel in channels - now:
                if channel in open_at:
                    windows.append(_window(channel, open_at.pop(channel), at))
            channels = now
    if point.opted_out and "all" not in open_at:
        open_at["all"] = point.opted_out_at or point.created_at
    for channel in set(point.opted_out_channels) - set(open_at):
        open_at[channel] = point.created_at
    windows += [_window(what, start, None) for what, start in sorted(open_at.items())]
    return windows


async def attempt_rows(sessions: Any, prefix: str, strategy: Strategy) -> list[list[object]]:
    """Every attempt and inbound contact of the accounts under `prefix`, with each account's facts
    (ops/contact_audit.py COLUMNS). Phone numbers in clear: for the simulator's synthetic book only."""
    mine = f"{prefix}%"
    async with sessions() as session:
        accounts = {a.account_id: a for a in await session.scalars(
            select(AccountRow).where(AccountRow.account_id.like(mine)))}  # fmt: skip
        points = {p.id: p for p in await session.scalars(
            select(ContactPointRow).where(ContactPointRow.account_id.like(mine)))}  # fmt: skip
        holds = list(await session.scalars(
            select(HoldRow).where(HoldRow.account_id.like(mine)).order_by(HoldRow.placed_at)))  # fmt: skip
        flags = list(await session.execute(
            select(AuditEntryRow.at, AuditEntryRow.detail)
            .where(AuditEntryRow.account_id.like(mine), AuditEntryRow.action == "contact_point.flags")
            .order_by(AuditEntryRow.id)
        ))  # fmt: skip
        attempts = list(await session.scalars(
            select(ContactAttemptRow).where(ContactAttemptRow.account_id.like(mine))
            .order_by(ContactAttemptRow.account_id, ContactAttemptRow.attempt_no)
        ))  # fmt: skip
    changes: dict[int, list[tuple[datetime, dict[str, Any]]]] = defaultdict(list)
    for at, detail in flags:
        if isinstance(detail.get("point_id"), int):
            changes[detail["point_id"]].append((at, detail))
    opt_outs = {pid: " ".join(_opt_out_windows(p, changes[pid])) for pid, p in points.items()}
    phones: dict[str, list[str]] = defaultdict(list)
    attorney_at: dict[str, datetime] = {}
    for p in sorted(points.values(), key=lambda p: p.id):
        if p.kind == "phone" and p.role == "debtor":
            phones[p.account_id].append(p.value)
        if p.role == "attorney":
            attorney_at[p.account_id] = min(p.created_at, attorney_at.get(p.account_id, p.created_at))
    held: dict[str, list[str]] = defaultdict(list)
    for h in holds:
        held[h.account_id].append(_window(h.kind, h.placed_at, h.released_at))
    rows: list[list[object]] = []
    for a in attempts:
        account = accounts[a.account_id]
        point = points.get(a.contact_point_id) if a.contact_point_id is not None else None
        plan = strategy.plan_for(segment=account.segment, state=account.state)
        rows.append([
            a.account_id, a.attempt_no, a.direction, a.channel, a.contact_point_id or "",
            point.kind if point else "", point.role if point else "", a.status, a.rule or "", a.outcome or "",
            _iso(a.at), a.template or "", a.validation_notice, (a.detail or {}).get("purpose", ""), a.consent_to_calls,
            account.state, account.timezone or "", " ".join(phones[a.account_id]),
            (point.timezone or "") if point else "", point.value if point and point.kind == "phone" else "",
            plan.compliance.validation_notice_first, _iso(account.cease_communication_at),
            _iso(attorney_at.get(a.account_id)),
            _iso(account.attorney_allows_contact_at), " ".join(held[a.account_id]),
            opt_outs.get(a.contact_point_id, "") if a.contact_point_id is not None else "",
        ])  # fmt: skip
    return rows


def write_attempts(path: Path, rows: Sequence[Sequence[object]]) -> None:
    """A new file (never over another): the columns ops/contact_audit.py reads."""
    write_new_csv(path, ATTEMPT_COLUMNS, rows)
