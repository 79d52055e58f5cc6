"""The simulation report as a table: one column per strategy, side by side."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from domain.money import format_cents
from domain.stages import Stage
from ops.simulation import SimulationReport


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
