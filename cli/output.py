"""How the CLI shows things to people: tables that never cut an id, money as money, times with their zone,
stages in words. Pure functions (and `print_table`), shared by every command's human (non --json) output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.segment import Segment, Segments
from rich.table import Column, Table

from domain.contact_updates import point_line, usable
from domain.money import format_cents
from domain.stages import TERMINAL_STAGES
from domain.timezones import zone_info

FREE_TEXT_WIDTH = 12
"""On a terminal too narrow for a table, free-text columns wrap, down to about this width; nothing else wraps."""
_UNLIMITED = 100_000


def words(value: object) -> str:
    """A stage, kind or status for people: 'on_plan' -> 'on plan', 'not_started' -> 'not started', None -> ''."""
    return "" if value is None else str(value).replace("_", " ")


def stage_text(stage: str | None, hold: str | None = None) -> str:
    """'on_hold' with 'bankruptcy' -> 'on hold: bankruptcy'; None -> 'not started'."""
    text = words(stage) or "not started"
    return f"{text}: {words(hold)}" if hold else text


def money(cents: int | None, currency: str = "USD") -> str:
    """'$1,234.56'; '' when there is no amount."""
    return "" if cents is None else format_cents(cents, currency)


def when(value: datetime | date | str | None) -> str:
    """A moment for people: '2026-12-09 14:05 UTC'; a date stays a date; '' for None."""
    if value is None or value == "":
        return ""
    moment: datetime | date
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return f"{aware.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return moment.isoformat()


def attempt_result(attempt: Mapping[str, Any]) -> str:
    """'sent', 'sent: right party contact', 'blocked: quiet hours' (the gate's rule)."""
    detail = attempt.get("reason") if attempt.get("status") == "blocked" else attempt.get("outcome")
    return f"{words(attempt.get('status'))}: {words(detail)}" if detail else words(attempt.get("status"))


def id_column(header: str, ids: Iterable[str]) -> Column:
    """A column of ids: as wide as the longest id, never wrapped, never cut."""
    return Column(header, no_wrap=True, min_width=max([len(header), *(len(i) for i in ids)]))


def free_column(header: str) -> Column:
    """A column of free text (a reason, a note, a next action): the only kind that wraps on a narrow terminal."""
    return Column(header, overflow="fold")


def amount_column(header: str) -> Column:
    return Column(header, no_wrap=True, justify="right")


def new_table(*columns: str | Column, title: str | None = None, show_header: bool = True) -> Table:
    """A table whose columns keep their full width (ids, money, dates, stages); `free_column`s wrap.

    Without a header it is a list of `label  value` lines (no rules).
    """
    kept = [Column(c, no_wrap=True) if isinstance(c, str) else c for c in columns]
    return Table(
        *kept, title=title, title_justify="left", show_header=show_header,
        box=box.SIMPLE_HEAD if show_header else None, show_edge=False, pad_edge=False, collapse_padding=show_header,
    )  # fmt: skip


def table_width(console: Console, table: Table) -> int:
    """The width to render `table` at so that no cell loses a character.

    Not a terminal (a pipe, a file): the table's natural width, whatever COLUMNS says. A terminal: its width,
    or wider when even free text wrapped to FREE_TEXT_WIDTH would not fit (the terminal then wraps the lines,
    which cuts nothing).
    """
    natural = Measurement.get(console, console.options.update_width(_UNLIMITED), table).maximum
    if not console.is_terminal:
        return natural
    if natural <= console.width:
        return console.width
    free = [column for column in table.columns if not column.no_wrap]
    saved = [column.max_width for column in free]
    for column in free:
        column.max_width = min(column.max_width or FREE_TEXT_WIDTH, FREE_TEXT_WIDTH)
    try:
        narrowest = Measurement.get(console, console.options.update_width(_UNLIMITED), table).maximum
    finally:
        for column, width in zip(free, saved, strict=True):
            column.max_width = width
    return max(console.width, narrowest)


def print_table(console: Console, table: Table) -> None:
    """Print `table` at `table_width`: ids, money and dates whole on any terminal and in any pipe.

    The title is a line of its own (never wrapped to the table's width); lines carry no trailing blanks
    (a pipe, a file or a copy from the terminal gets the text alone).
    """
    title, table.title = table.title, None
    if title:
        console.print(title, style="italic", soft_wrap=True, highlight=False, markup=False)
    width = table_width(console, table)
    lines = console.render_lines(table, console.options.update_width(width), pad=False)
    segments: list[Segment] = []
    for line in lines:
        segments += [*_without_trailing_blanks(line), Segment.line()]
    console.print(Segments(segments), crop=False)


def _without_trailing_blanks(line: list[Segment]) -> list[Segment]:
    kept = list(line)
    while kept and not kept[-1].control and not kept[-1].text.strip():
        kept.pop()
    if kept and not kept[-1].control:
        last = kept[-1]
        kept[-1] = Segment(last.text.rstrip(), last.style)
    return kept


CLOSED_STAGES = frozenset(stage.value for stage in TERMINAL_STAGES)
_CENTS = re.compile(r"\b(-?\d+) cents\b")


def in_dollars(text: str, currency: str = "USD") -> str:
    """A workflow's sentence with its amounts in money: 'installment 1: 10000 cents by ...' -> '$100.00 by ...'."""
    return _CENTS.sub(lambda found: format_cents(int(found.group(1)), currency), text)


NOTHING_USABLE = {
    "phone": "none usable (every phone retired or bad): no call or text can go out",
    "email": "none usable (every email retired or bad): no email can go out",
    "address": "none usable (every address retired or undeliverable): no letter can go out",
}


def contact_point_rows(points: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """'#3 phone' and its line (domain.contact_updates.point_line), then, for a kind the account had and has no
    usable point of any more, what that means for the gate."""
    points = list(points)
    rows = [(f"#{point['point']} {point['kind']}", point_line(point)) for point in points]
    for kind, said in NOTHING_USABLE.items():
        debtors = [p for p in points if p["kind"] == kind and p.get("role") in (None, "debtor")]
        if debtors and not any(usable(p) for p in debtors):
            rows.append(({"address": "addresses"}.get(kind, f"{kind}s"), said))
    return rows


def status_rows(status: Mapping[str, Any]) -> list[tuple[str, str]]:
    """One account's status (the workflow's answer or the store's record) as (label, text) rows for people.

    Rows that do not apply (no plan, no hold, nothing forgiven) are left out; no internal field is shown.
    """
    currency = status.get("currency") or "USD"

    def cash(key: str) -> str:
        return money(status.get(key), currency)

    stage = words(status.get("stage")) or "not started"
    if status.get("resume_stage"):
        stage += f" (collection resumes at {words(status['resume_stage'])} when released)"
    rows: list[tuple[str, str]] = [("stage", stage)]
    holds = [h for h in status.get("holds") or [] if h]
    if len(holds) > 1:
        rows.append(("holds", "; ".join(holds)))
    elif status.get("hold") or holds:
        rows.append(("hold", str(status.get("hold") or holds[0])))
    rows.append(("balance", cash("balance_cents")))
    for key, label in (
        ("collected_cents", "collected"),
        ("forgiven_cents", "forgiven"),
        ("written_off_cents", "written off"),
    ):
        if status.get(key):
            rows.append((label, cash(key)))
    if status.get("days_past_due") is not None and status.get("stage") not in CLOSED_STAGES:
        rows.append(("days past due", str(status["days_past_due"])))
    if status.get("next_action"):
        rows.append(("next action", in_dollars(str(status["next_action"]), currency)))
    if status.get("next_action_at"):
        rows.append(("next action at", when(status["next_action_at"])))
    if status.get("debtor_zones"):
        rows.append(("debtor's local time", local_times(status["debtor_zones"], datetime.now(UTC))))
    if status.get("rules"):
        rows.append(("rules", str(status["rules"])))
    rows += contact_point_rows(status.get("contact_points") or [])
    if status.get("plan"):
        rows.append(("plan", str(status["plan"])))
    if status.get("next_installment_cents") is not None or status.get("next_installment_due"):
        due = status.get("next_installment_due")
        amount = cash("next_installment_cents") or "an installment"
        rows.append(("next installment", f"{amount} due {due}" if due else amount))
    if status.get("installments_missed"):
        rows.append(("installments missed", str(status["installments_missed"])))
    if status.get("pending_approval"):
        rows.append(("awaiting approval", str(status["pending_approval"])))
    if status.get("promises_kept") or status.get("promises_broken"):
        rows.append(("promises", f"{status.get('promises_kept', 0)} kept, {status.get('promises_broken', 0)} broken"))
    if status.get("placement"):
        rows.append(("placement", str(status["placement"])))
    if status.get("validation_period_end"):
        rows.append(("validation period ends", str(status["validation_period_end"])))
    if status.get("attempts_count") is not None:
        rows.append(("contact attempts", str(status["attempts_count"])))
    rows.append(("payments", str(status.get("payments_count", 0))))
    if status.get("strategy"):
        rows.append(("strategy", str(status["strategy"])))
    rows.append(("workflow", _workflow(status)))
    return rows


def local_times(zones: Iterable[str], now: datetime) -> str:
    """`now` in every zone the debtor may be in: 'Mon 20:30 America/Los_Angeles, Mon 23:30 America/New_York'.
    Calls, texts and emails wait until it is 08:00-21:00 in each (1006.6(b)(1)(i))."""
    shown = [(zone, found) for zone in zones if (found := zone_info(zone)) is not None]
    return ", ".join(f"{now.astimezone(found):%a %H:%M} {zone}" for zone, found in shown)


def _workflow(status: Mapping[str, Any]) -> str:
    if status.get("source") == "workflow":
        return "running"
    state = status.get("workflow_status")
    if state is None:
        return "not started" if status.get("stage") in (None, "not_started") else "none (figures from the store)"
    return f"{words(state)} (figures from the store)"
