"""`starter.py report aging|kpis|month-end` and `starter.py statement`: read the store only (no Temporal).

starter.py registers them: `app.add_typer(report_app, name="report")` and `app.command()(statement)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import JsonOption, actor, console, fail, parse_date, print_json, run, settings
from cli.output import amount_column, free_column, new_table, print_table
from domain.money import format_cents
from ops import reports as ops_reports
from ops import statements
from ops.errors import OpsError
from ops.report_files import close_ended_month, month_end_figures, write_month_end, write_text
from ops.reports import Sessions
from store.reports import BUCKETS, Period

report_app = typer.Typer(no_args_is_help=True, help="Portfolio reports from the account store (no Temporal needed).")
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="ISO date (default today, UTC).")]


def _today() -> date:
    return datetime.now(UTC).date()


def _with_store(action: Callable[[Sessions], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with ops_reports.store_sessions(settings().database_url) as sessions:
            return await action(sessions)

    return run(go())


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _aging_tables(result: dict[str, Any]) -> list[Table]:
    portfolio = result["portfolio"]
    total = portfolio["total"]["balance_cents"] or 1
    main = new_table(
        "days past due", amount_column("accounts"), amount_column("balance"), amount_column("share"),
        title=f"aging of open accounts as of {result['as_of']}",
    )  # fmt: skip
    for bucket in (*BUCKETS, "total"):
        cell = portfolio[bucket]
        main.add_row(bucket, str(cell["accounts"]), format_cents(cell["balance_cents"]),
                     f"{cell['balance_cents'] * 100 / total:.1f}%")  # fmt: skip
    tables = [main]
    for name in (name for name in ("creditor", "segment") if result[f"by_{name}"]):
        table = new_table(
            name, "days past due", amount_column("accounts"), amount_column("balance"), title=f"by {name}"
        )
        for group, cells in result[f"by_{name}"].items():
            for bucket in (b for b in BUCKETS if cells[b]["accounts"]):
                table.add_row(
                    group, bucket, str(cells[bucket]["accounts"]), format_cents(cells[bucket]["balance_cents"])
                )
            total = cells["total"]
            table.add_row(group, "total", str(total["accounts"]), format_cents(total["balance_cents"]), style="bold")
            table.add_section()
        tables.append(table)
    return tables


@report_app.command("aging")
def aging(as_of: AsOfOption = None, as_json: JsonOption = False) -> None:
    """Open accounts' balances and counts by days-past-due bucket, by creditor and by segment."""
    today = _today()
    day = parse_date(as_of, "--as-of") if as_of else today
    result = _with_store(lambda sessions: ops_reports.aging(sessions, as_of=day, today=today))
    if as_json:
        return print_json(result)
    if not result["portfolio"]["total"]["accounts"]:
        console.print(f"no open account with a balance as of {result['as_of']}", highlight=False)
        return
    for table in _aging_tables(result):
        print_table(console, table)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _kpi_rows(k: dict[str, Any]) -> list[tuple[str, str, str]]:
    cure, kept, rpc, liq = k["cure"], k["promise_kept"], k["right_party_contact"], k["liquidation"]
    books = {"open at the start": "open_at_start", "open at the end": "open_at_end", "loaded in the period": "loaded"}
    rows = [
        (label, format_cents(k[key]["balance_cents"]), _count(k[key]["accounts"], "account"))
        for label, key in books.items()
    ]
    rows += [
        ("collected", format_cents(k["collected"]["amount_cents"]), _count(k["collected"]["payments"], "payment")),
        ("DSO (days)", "n/a" if k["dso_days"] is None else str(k["dso_days"]), "open at end / (collected / days)"),
        ("cure rate", _pct(cure["rate"]), f"{cure['cured']} paid or settled / {cure['open_in_period']} open"),
        ("promise-kept rate", _pct(kept["rate"]), f"{kept['kept']} kept / {kept['kept'] + kept['broken']} judged"),
        ("right-party-contact rate", _pct(rpc["rate"]), f"{rpc['reached']} reached / {rpc['attempted']} attempted"),
        ("liquidation rate", _pct(liq["rate"]),
         f"{format_cents(liq['collected_cents'])} / {format_cents(liq['base_cents'])}"),
    ]  # fmt: skip
    rows += [
        (f"roll rate {r['from']} → {r['to']}", _pct(r["rate"]), f"{r['rolled']} of {r['accounts']}")
        for r in k["roll_rates"]
    ]
    rows += [
        (f"collected via {name}", format_cents(c["amount_cents"]), _count(c["payments"], "payment"))
        for name, c in k["collected_by_channel"].items()
    ]
    rows += [
        (f"collected by {name}", format_cents(c["amount_cents"]),
         f"{_count(c['payments'], 'payment')}, commission {format_cents(c['commission_cents'])}")
        for name, c in k["collected_by_agency"].items()
    ]  # fmt: skip
    kinds = sorted({*k["holds"]["opened"], *k["holds"]["closed"]})
    rows += [
        (f"{kind} holds", f"{k['holds']['opened'].get(kind, 0)} opened", f"{k['holds']['closed'].get(kind, 0)} closed")
        for kind in kinds
    ]
    return rows


@report_app.command("kpis")
def kpis(
    first: Annotated[str, typer.Option("--from", help="First day of the period (ISO date).")],
    last: Annotated[str, typer.Option("--to", help="Last day of the period, included (ISO date).")],
    as_json: JsonOption = False,
) -> None:
    """DSO, roll rates, cure, promise-kept, right-party-contact and liquidation rates, collections, holds."""
    try:
        period = Period(parse_date(first, "--from"), parse_date(last, "--to"))
    except ValueError as err:
        fail(str(err))
    result = _with_store(lambda sessions: ops_reports.kpis(sessions, period, today=_today()))
    if as_json:
        return print_json(result)
    table = new_table(
        "figure", amount_column("value"), free_column("made of"),
        title=f"KPIs {result['from']} to {result['to']} ({result['days']} days)",
    )  # fmt: skip
    for row in _kpi_rows(result):
        table.add_row(*row)
    print_table(console, table)


@report_app.command("month-end")
def month_end(
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.")],
    out: Annotated[Path, typer.Option(help="Folder for the CSV files and the HTML document.")],
    as_json: JsonOption = False,
) -> None:
    """The month-end pack: aging, collections, write-offs, placements and recalls as CSV files and one HTML page."""

    async def action(sessions: Sessions) -> tuple[list[Path], bool]:
        now = datetime.now(UTC)
        figures = await month_end_figures(sessions, month, today=now.date())
        written = write_month_end(figures, out, generated_at=now)
        return written, await close_ended_month(sessions, figures.period, closed_by=actor(), now=now)

    written, closed = _with_store(action)
    if as_json:
        return print_json({"month": month, "files": [str(path) for path in written], "closed": closed})
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    if closed:
        console.print(f"month {month} closed: a payment dated in it is refused from now on", highlight=False)


def statement(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    duplicate: Annotated[
        bool, typer.Option("--duplicate", help="A duplicate bill, marked as reprinted today.")
    ] = False,
    as_of: AsOfOption = None,
    out: Annotated[Path | None, typer.Option(help="Write it to FILE: HTML for .html, else text.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A customer statement: payments, settlements, write-offs with a running balance, and how to pay."""
    today = _today()
    day = parse_date(as_of, "--as-of") if as_of else today
    contact = settings().company_contact
    result: statements.Statement = _with_store(
        lambda sessions: statements.statement(
            sessions, account_id, as_of=day, company_contact=contact, reprinted_on=today if duplicate else None
        )
    )
    if as_json:
        return print_json(result.as_dict())
    if out is None:
        typer.echo(statements.statement_text(result), nl=False)
        return
    html = out.suffix.lower() in (".html", ".htm")
    try:
        write_text(out, statements.statement_html(result) if html else statements.statement_text(result))
    except OpsError as err:
        fail(str(err))
    console.print(f"wrote {out}", highlight=False)
