"""The live view of a portfolio: accounts by stage, refreshed from the search attributes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from domain.stages import Stage
from ops.context import OpsContext
from ops.views import stage_counts


def web_ui_address(temporal_address: str) -> str:
    host, _, port = temporal_address.rpartition(":")
    return f"http://{host}:{int(port) + 1000}"


def stage_table(counts: dict[str, int]) -> Table:
    total = sum(counts.values()) or 1
    table = Table("stage", "accounts", "", title="accounts by stage", min_width=60)
    for stage in Stage:
        count = counts.get(stage.value, 0)
        style = "green" if stage.is_terminal else "yellow" if stage == Stage.ON_HOLD else "cyan"
        table.add_row(stage.value, str(count), Text("█" * round(40 * count / total), style=style))
    return table


def render(ctx: OpsContext, counts: dict[str, int], recent: Sequence[str], activity: Sequence[str] = ()) -> Group:
    header = Text(
        f"Temporal Web UI: {web_ui_address(ctx.settings.temporal_address)}   "
        f"namespace {ctx.settings.temporal_namespace}   task queue {ctx.settings.collections_task_queue}"
    )
    parts: list = [header, stage_table(counts)]
    if activity:
        parts.append(Panel("\n".join(activity), title="contacts"))
    if recent:
        parts.append(Panel("\n".join(recent[-8:]), title="latest events"))
    return Group(*parts)


def stage_line(counts: dict[str, int]) -> str:
    return "  ".join(f"{stage}={count}" for stage, count in counts.items() if count) or "no accounts yet"


async def watch_stages(
    ctx: OpsContext,
    console: Console,
    *,
    interval: float,
    recent: Sequence[str] = (),
    until: Callable[[], bool] = lambda: False,
    activity: Callable[[], Awaitable[list[str]]] | None = None,
) -> dict[str, int]:
    """Refresh until `until()` is true (or Ctrl-C); returns the last counts.

    On a terminal: a live table. Elsewhere (a pipe, a CI log): one line per change.
    """
    counts = await stage_counts(ctx)
    if not console.is_terminal:
        console.print(stage_line(counts))
        while not until():
            await asyncio.sleep(interval)
            latest = await stage_counts(ctx)
            if latest != counts:
                console.print(stage_line(latest))
            counts = latest
        console.print(stage_table(counts))
        for line in await activity() if activity else []:
            console.print(line)
        return counts
    with Live(render(ctx, counts, recent), console=console, refresh_per_second=4) as live:
        while not until():
            await asyncio.sleep(interval)
            counts = await stage_counts(ctx)
            live.update(render(ctx, counts, recent, await activity() if activity else ()))
    return counts
