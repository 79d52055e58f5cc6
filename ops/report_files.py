"""The month-end pack: CSV files and one self-contained HTML document (no external CSS, JS or fonts).

`<month>-aging.csv` (and `-aging_by_creditor.csv`, `-aging_by_segment.csv`): the book at the end of
the month's last day by days-past-due bucket; `-collections.csv`: payments received in the month by
day, channel and agency; `-write_downs.csv`: write-offs, settlement forgiveness, adjustments and the
creditor's credits; `-charges.csv`: the creditor's new charges recorded in the month;
`-placements.csv` and `-recalls.csv`: agency placements made and recalled in the month;
`-month-end.html`: all of it summarised, with the aging as an inline SVG bar chart.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from domain.money import format_cents, plain_amount
from ops.csv_files import write_csv
from ops.errors import OpsError
from ops.reports import Sessions, aging
from service.files import write_private
from store import creditor, months, report_listings, reports
from store.reports import BUCKETS, COLLECTION_KEYS, Period

TEMPLATES = Path(__file__).resolve().parent / "report_templates"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CHART_WIDTH, BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 420, 22, 8, 70
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True,
    lstrip_blocks=True, keep_trailing_newline=True,
)  # fmt: skip
_environment.filters["money"] = format_cents


def render_html(template: str, **context: Any) -> str:
    """A page from ops/report_templates, every value escaped."""
    return _environment.get_template(template).render(**context)


def write_text(path: Path, text: str) -> None:
    """A report or statement, created 0600 (it holds personal data); one-line refusal if it cannot be."""
    try:
        write_private(path, text)
    except OSError as err:
        raise OpsError(f"cannot write {path}: {err.strerror or err}") from None


def month_period(month: str) -> Period:
    """'2026-03' as the days 2026-03-01 to 2026-03-31."""
    found = _MONTH.match(month.strip())
    if not found:
        raise ValueError(f"--month must be YYYY-MM, got {month!r}")
    year, number = int(found[1]), int(found[2])
    return Period(date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1]))


@dataclass
class MonthEnd:
    month: str
    period: Period
    aging: dict[str, dict[str, int]]
    by_creditor: dict[str, dict[str, dict[str, int]]]
    by_segment: dict[str, dict[str, dict[str, int]]]
    collections: list[reports.CollectionTotal]
    """By day, channel and agency."""
    write_downs: list[report_listings.WriteDown]
    placements: list[report_listings.PlacementEvent]
    recalls: list[report_listings.PlacementEvent]
    charges: list[creditor.CreditorEntryView] = field(default_factory=list)
    """The creditor's new charges recorded in the month (by the day they reached the books)."""


async def month_end_figures(sessions: Sessions, month: str, *, today: date) -> MonthEnd:
    period = month_period(month)
    book = await aging(sessions, as_of=period.last, today=today)
    async with sessions() as session:
        collections = await reports.collections(session, period, by=COLLECTION_KEYS)
        downs = await report_listings.write_downs(session, period=period)
        placed = await report_listings.placement_events(session, period, recalls=False)
        recalled = await report_listings.placement_events(session, period, recalls=True)
        charges = await creditor.charges_in(session, period)
    return MonthEnd(
        month, period, book["portfolio"], book["by_creditor"], book["by_segment"], collections, downs, placed,
        recalled, charges,
    )  # fmt: skip


async def close_ended_month(sessions: Sessions, period: Period, *, closed_by: str, now: datetime) -> bool:
    """A month-end pack of a month that has ended closes it: payments dated in it are refused from then on.
    Returns whether it was open (a pack of the month in progress closes nothing)."""
    if period.last >= now.date():
        return False
    async with sessions() as session, session.begin():
        return await months.close_month(session, month=f"{period.first:%Y-%m}", closed_by=closed_by, now=now)


def _aging_lines(table: dict[str, dict[str, int]], *first: str) -> list[list[object]]:
    return [
        [*first, bucket, table[bucket]["accounts"], plain_amount(table[bucket]["balance_cents"])]
        for bucket in (*BUCKETS, "total")
    ]


def write_month_end(figures: MonthEnd, out: Path, *, generated_at: datetime) -> list[Path]:
    """The CSV files and the HTML document in `out` (created if need be); the paths written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OpsError(f"cannot create {out}: {err.strerror or err}") from None
    month, written = figures.month, []

    def csv_file(name: str, columns: list[str], rows: list[list[object]]) -> None:
        path = out / f"{month}-{name}.csv"
        write_csv(path, columns, rows)
        written.append(path)

    csv_file("aging", ["bucket", "accounts", "balance"], _aging_lines(figures.aging))
    for name, groups in (("creditor", figures.by_creditor), ("segment", figures.by_segment)):
        lines = [line for group, table in groups.items() for line in _aging_lines(table, group)]
        csv_file(f"aging_by_{name}", [name, "bucket", "accounts", "balance"], lines)
    csv_file("collections", ["day", "channel", "agency", "payments", "amount", "commission"], [
        [c.day, c.channel, c.agency, c.payments, plain_amount(c.amount_cents), plain_amount(c.commission_cents)]
        for c in figures.collections
    ])  # fmt: skip
    csv_file("write_downs", ["day", "account_id", "creditor", "kind", "amount", "note"], [
        [w.day, w.account_id, w.creditor, w.kind, plain_amount(w.amount_cents), w.note or ""]
        for w in figures.write_downs
    ])  # fmt: skip
    csv_file("charges", ["day", "account_id", "reference", "service_date", "amount"], [
        [c.recorded_at.date(), c.account_id, c.reference, c.service_date or "", plain_amount(c.amount_cents)]
        for c in figures.charges
    ])  # fmt: skip
    for recalls, events in ((False, figures.placements), (True, figures.recalls)):
        last = ["collected", "reason"] if recalls else ["balance_placed", "commission_pct"]
        csv_file("recalls" if recalls else "placements", ["day", "account_id", "placement_no", "agency_id", *last], [
            [p.day, p.account_id, p.placement_no, p.agency_id,
             *([plain_amount(p.collected_cents), p.reason or ""] if recalls
               else [plain_amount(p.balance_placed_cents), f"{p.commission_bps / 100:g}"])]
            for p in events
        ])  # fmt: skip
    html = out / f"{month}-month-end.html"
    write_text(html, render_html("month_end.html", **_document(figures, [p.name for p in written], generated_at)))
    return [*written, html]


def _totals(rows: list[reports.CollectionTotal], key: str) -> list[dict[str, Any]]:
    """The day/channel/agency rows summed over one key (a handful of aggregate rows, not accounts)."""
    sums: dict[Any, list[int]] = {}
    for row in rows:
        total = sums.setdefault(getattr(row, key), [0, 0, 0])
        total[0], total[1], total[2] = (
            total[0] + row.payments,
            total[1] + row.amount_cents,
            total[2] + row.commission_cents,
        )
    return [
        {"name": name, "payments": n, "amount_cents": cents, "commission_cents": fee}
        for name, (n, cents, fee) in sorted(sums.items())
    ]


def aging_chart(table: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The bars of an inline SVG chart of balance by bucket."""
    largest = max((table[b]["balance_cents"] for b in BUCKETS), default=0) or 1
    bars = [
        {
            "label": bucket,
            "y": number * (BAR_HEIGHT + BAR_GAP),
            "width": round((CHART_WIDTH - LABEL_WIDTH - 110) * table[bucket]["balance_cents"] / largest, 1),
            "value": format_cents(table[bucket]["balance_cents"]),
        }
        for number, bucket in enumerate(BUCKETS)
    ]
    return {"bars": bars, "width": CHART_WIDTH, "height": len(BUCKETS) * (BAR_HEIGHT + BAR_GAP),
            "bar_height": BAR_HEIGHT, "label_width": LABEL_WIDTH}  # fmt: skip


def _document(figures: MonthEnd, files: list[str], generated_at: datetime) -> dict[str, Any]:
    downs: dict[str, int] = {}
    for down in figures.write_downs:
        downs[down.kind] = downs.get(down.kind, 0) + down.amount_cents
    return {
        "month": figures.month,
        "first": figures.period.first.isoformat(),
        "last": figures.period.last.isoformat(),
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "buckets": BUCKETS,
        "aging": figures.aging,
        "chart": aging_chart(figures.aging),
        "by_creditor": figures.by_creditor,
        "by_segment": figures.by_segment,
        "by_day": _totals(figures.collections, "day"),
        "by_channel": _totals(figures.collections, "channel"),
        "by_agency": _totals(figures.collections, "agency"),
        "collected_cents": sum(c.amount_cents for c in figures.collections),
        "payments": sum(c.payments for c in figures.collections),
        "commission_cents": sum(c.commission_cents for c in figures.collections),
        "write_downs": figures.write_downs,
        "write_down_totals": dict(sorted(downs.items())),
        "placements": figures.placements,
        "recalls": figures.recalls,
        "charges": figures.charges,
        "charges_cents": sum(c.amount_cents for c in figures.charges),
        "files": files,
    }
