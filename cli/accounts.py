"""Accounts: `load`, `start`, and what supervisors look up: `status`, `list`, `attempts`.

Plain functions; starter.py registers each with `app.command()(fn)`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.common import JsonOption, console, errors, fail, parse_date, print_json, run, settings, with_context
from cli.identity import caller, perform
from cli.output import (
    amount_column,
    attempt_result,
    free_column,
    id_column,
    money,
    new_table,
    print_table,
    stage_text,
    status_rows,
    words,
)  # fmt: skip
from domain.intake import validate_account_id
from ops import account_workflows, disclosed, views
from ops.accounts import load_accounts_file
from ops.context import OpsContext
from ops.requests import Written
from web.tokens import Permission


def load(file: Annotated[Path, typer.Argument(help="Accounts CSV.")], as_json: JsonOption = False) -> None:
    """Upsert accounts from a CSV file: every row valid, or nothing applied."""
    result = run(load_accounts_file(file, settings().database_url))
    if as_json:
        print_json({"inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged})
    else:
        console.print(f"loaded {file}: {result.inserted} new, {result.updated} updated, {result.unchanged} unchanged")


def start(
    account: Annotated[list[str] | None, typer.Option("--account", help="Account id (repeatable).")] = None,
    all_past_due: Annotated[
        bool, typer.Option("--all-past-due", help="Every past-due account not yet closed.")
    ] = False,
    as_of: Annotated[str | None, typer.Option(help="Past due as of this date (default today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Start account workflows; one that already exists is left alone."""
    if bool(account) == all_past_due:
        fail("give --account ID (one or more) or --all-past-due")
    for account_id in account or []:
        try:
            validate_account_id(account_id)
        except ValueError as err:
            fail(str(err))
    cutoff = parse_date(as_of, "--as-of") if as_of else datetime.now(UTC).date()
    who = caller()

    async def action(ctx: OpsContext) -> dict[str, list[str]]:
        ids = account or await account_workflows.past_due_accounts(ctx, cutoff)

        async def write() -> Written:
            with Progress(
                TextColumn("starting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=errors, disable=as_json or len(ids) < 2,
            ) as progress:  # fmt: skip
                task = progress.add_task("start", total=len(ids))
                done = await account_workflows.start_accounts(ctx, ids, on_progress=lambda: progress.advance(task))
            answer = {"started": done.started, "already_started": done.already_started}
            return Written(f"{len(done.started)} started", {"via": "cli"}, answer=answer, audited=tuple(done.started))

        return await perform(ctx, who, "", "start", write)

    summary = run(with_context(action))
    if as_json:
        print_json(summary)
    else:
        console.print(f"{len(summary['started'])} started, {len(summary['already_started'])} already running or ended")


def status(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """One account: stage, balance, days past due, hold, next action, counts (as your role may see it; audited)."""
    who = caller(Permission.READ)
    result = run(
        with_context(
            lambda ctx: disclosed.status_for(ctx, account_id, actor=who.name, role=who.role, view="cli_status")
        )
    )
    if as_json:
        print_json(result)
        return
    table = new_table("", free_column(""), title=f"account {account_id}", show_header=False)
    for label, value in status_rows(result):
        table.add_row(label, value)
    print_table(console, table)


def list_accounts(
    stage: Annotated[str | None, typer.Option(help="Only accounts in this stage.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """Accounts by stage, from the workflows' search attributes."""
    found = run(with_context(lambda ctx: views.list_accounts(ctx, stage=stage, limit=limit + 1)))
    rows, more = found[:limit], len(found) > limit
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"no accounts in stage {words(stage)}" if stage else "no accounts", highlight=False)
        return
    table = new_table(
        id_column("account", (row["account_id"] for row in rows)), "stage", amount_column("balance"), "due date",
        "segment", "workflow",
    )  # fmt: skip
    for row in rows:
        table.add_row(
            row["account_id"], stage_text(row["stage"], row["hold"]), money(row["balance_cents"]),
            row["due_date"] or "", row["segment"] or "", words(row["workflow_status"]),
        )  # fmt: skip
    print_table(console, table)
    if more:
        errors.print(f"(the first {limit} accounts; more with --limit)", highlight=False)


def attempts(
    account_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One account (or --all).")] = None,
    all_accounts: Annotated[bool, typer.Option("--all", help="Every account's attempts.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Contact attempts, sent and blocked, with the gate's rule when blocked."""
    if (account_id is None) == (not all_accounts):
        fail("give an account ID or --all")
    rows = run(with_context(lambda ctx: views.contact_attempts(ctx, None if all_accounts else account_id)))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no contact attempts" + ("" if all_accounts else f" for account {account_id}"), highlight=False)
        return
    accounts = [id_column("account", (row["account_id"] for row in rows))] if all_accounts else []
    table = new_table(
        *accounts, amount_column("#"), "channel", free_column("template"), "debtor's local time",
        free_column("result"), title=None if all_accounts else f"contact attempts of account {account_id}",
    )  # fmt: skip
    for row in rows:
        cells = [
            str(row["attempt"]), ("inbound " if row.get("direction") == "inbound" else "") + words(row["channel"]),
            words(row["template"]),
            views.local_time(row["local_at"], row.get("zone")), attempt_result(row),
        ]  # fmt: skip
        table.add_row(*([row["account_id"]] if all_accounts else []), *cells)
    print_table(console, table)
