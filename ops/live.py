"""The live view of a portfolio: accounts by stage now (the search attributes), and what a run reached."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from domain.messages import HoldKind
from domain.stages import Stage
from ops.context import OpsContext
from ops.views import stage_counts

HOLD_STAGES = [f"{Stage.ON_HOLD.value}:{kind.value}" for kind in HoldKind]
PROMISED_STAGES = [
    Stage.CONTACTING.value, Stage.NEGOTIATING.value, Stage.ON_PLAN.value, Stage.PAID.value, Stage.SETTLED.value,
    Stage.REFERRED.value, f"{Stage.ON_HOLD.value}:{HoldKind.BANKRUPTCY.value}",
    f"{Stage.ON_HOLD.value}:{HoldKind.DISPUTE.value}", Stage.DISCHARGED.value,
]  # fmt: skip
"""What the demo shows within its run (README, "Two commands")."""

Reached = Callable[[], Awaitable[dict[str, int]]]


def web_ui_address(temporal_address: str) -> str:
    host, _, port = temporal_address.rpartition(":")
    return f"http://{host}:{int(port) + 1000}"


def _label(stage: str) -> str:
    """`on_hold:dispute` reads `on_hold (dispute)`."""
    name, _, kind = stage.partition(":")
    return f"{name} ({kind})" if kind else name


def stage_table(counts: dict[str, int], reached: dict[str, int] | None = None) -> Table:
    total = sum(counts.values()) or 1
    columns = ["stage", "now", *(["reached in this run"] if reached is not None else []), ""]
    table = Table(*columns, title="accounts by stage", min_width=60)
    for stage in Stage:
        count = counts.get(stage.value, 0)
        style = "green" if stage.is_terminal else "yellow" if stage == Stage.ON_HOLD else "cyan"
        bar = Text("█" * round(40 * count / total), style=style)
        if reached is None:
            table.add_row(stage.value, str(count), bar)
            continue
        ever = str(reached.get(stage.value, 0))
        if stage == Stage.ON_HOLD:
            ever = ", ".join(f"{s.partition(':')[2]} {reached[s]}" for s in HOLD_STAGES if reached.get(s)) or "0"
        table.add_row(stage.value, str(count), ever, bar)
    return table


def render(
    ctx: OpsContext,
    counts: dict[str, int],
    recent: Sequence[str],
    activity: Sequence[str] = (),
    reached: dict[str, int] | None = None,
) -> Group:
    header = Text(
        f"namespace {ctx.settings.temporal_namespace}   task queue {ctx.settings.collections_task_queue}   "
        f"Temporal Web UI: {web_ui_address(ctx.settings.temporal_address)}"
    )
    parts: list = [header, stage_table(counts, reached)]
    if activity:
        parts.append(Panel("\n".join(activity), title="contacts"))
    if recent:
        parts.append(Panel("\n".join(recent[-8:]), title="latest events"))
    return Group(*parts)


def stage_line(counts: dict[str, int]) -> str:
    return "  ".join(f"{stage}={count}" for stage, count in counts.items() if count) or "no accounts yet"


def reached_line(reached: dict[str, int]) -> str:
    """`stages reached: contacting 60, negotiating 12, on_hold (dispute) 4, ...` in the promised order."""
    order = [*PROMISED_STAGES, *(s.value for s in Stage if s != Stage.ON_HOLD), *HOLD_STAGES]
    shown = [stage for stage in dict.fromkeys(order) if reached.get(stage)]
    return "stages reached: " + (", ".join(f"{_label(s)} {reached[s]}" for s in shown) or "none")


async def watch_stages(
    ctx: OpsContext,
    console: Console,
    *,
    interval: float,
    recent: Sequence[str] = (),
    until: Callable[[], bool] = lambda: False,
    activity: Callable[[], Awaitable[list[str]]] | None = None,
    reached: Reached | None = None,
) -> dict[str, int]:
    """Refresh until `until()` is true (or Ctrl-C); returns the last counts.

    On a terminal: a live table with the contacts and the latest events. Elsewhere (a pipe, a CI log,
    `demo --headless`): a line per change of the counts and each event as it comes, then the table.
    """
    counts = await stage_counts(ctx)
    if not console.is_terminal:
        console.print(stage_line(counts), soft_wrap=True)
        printed = 0
        while not until():
            await asyncio.sleep(interval)
            for line in recent[printed:]:
                console.print(f"  {line}", soft_wrap=True, highlight=False)
            printed = len(recent)
            latest = await stage_counts(ctx)
            if latest != counts:
                console.print(stage_line(latest), soft_wrap=True)
            counts = latest
        console.print(stage_table(counts, await reached() if reached else None))
        for line in await activity() if activity else []:
            console.print(line)
        return counts
    with Live(render(ctx, counts, recent), console=console, refresh_per_second=4) as live:
        while not until():
            await asyncio.sleep(interval)
            counts = await stage_counts(ctx)
            so_far = await reached() if reached else None
            live.update(render(ctx, counts, recent, await activity() if activity else (), so_far))
    return counts
