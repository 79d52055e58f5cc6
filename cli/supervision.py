"""Supervisor commands: the work queue, one account's full picture, notes, the audit pack.

Plain functions; starter.py registers each with `app.command()(fn)`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.common import JsonOption, actor, console, fail, parse_date, print_json, run, with_context
from domain.money import InvalidAmount, format_cents, parse_amount
from domain.notes import note_problem
from ops.queue import REASONS, SORTS

AccountId = Annotated[str, typer.Argument(metavar="ID")]


def queue(
    stage: Annotated[str | None, typer.Option(help="Only accounts in this stage.")] = None,
    hold: Annotated[str | None, typer.Option(help="Only accounts on this kind of hold.")] = None,
    min_balance: Annotated[str | None, typer.Option(help="Only balances of at least this much, e.g. 100.00.")] = None,
    sort: Annotated[str, typer.Option(help=f"One of {', '.join(SORTS)} (largest, oldest due, stage order).")] = (
        "balance"
    ),
    reason: Annotated[
        list[str] | None, typer.Option("--reason", help=f"Only this reason (repeatable): {', '.join(REASONS)}.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The accounts waiting for a person: approvals, offers to make, disputes to verify, probate, reminders."""
    from ops.queue import work_queue

    try:
        min_cents = parse_amount(min_balance, allow_zero=True) if min_balance is not None else None
    except InvalidAmount as err:
        fail(str(err))
    today = datetime.now(UTC).date()
    items = run(
        with_context(
            lambda ctx: work_queue(
                ctx, stage=stage, hold=hold, min_balance_cents=min_cents, reasons=reason, sort=sort, today=today
            )
        )
    )
    if as_json:
        return print_json([item.as_dict() for item in items])
    table = Table("account", "reasons", "stage", "balance", "hold", "due date", "days past due", "reminder")
    for item in items:
        table.add_row(
            item.account_id, ", ".join(item.reasons), item.stage or "not started",
            _cents(item.balance_cents), item.hold or "", _text(item.due_date), _text(item.days_past_due),
            "; ".join(item.reminders),
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(items)} account(s) waiting")


def show(account_id: AccountId, as_json: JsonOption = False) -> None:
    """One account's full picture: status, contact points, attempts, payments, plans, promises, holds,
    placements, notes and the workflow's timeline (nothing masked: the supervisor's view)."""
    from ops.account_view import account_picture

    picture = run(with_context(lambda ctx: account_picture(ctx, account_id)))
    if as_json:
        return print_json(picture)
    account, status = picture["account"], picture["status"]
    summary = Table(title=f"account {account_id}", show_header=False)
    for label, value in (
        ("debtor", account["debtor_name"]),
        ("address", f"{account['street']}, {account['city']}, {account['state']} {account['postal_code']}"),
        ("creditor", account["creditor"]),
        ("segment", account["segment"]),
        ("stage", f"{status['stage']} (from the {status['source']})"),
        ("balance", _cents(status["balance_cents"])),
        ("days past due", status["days_past_due"]),
        ("hold", status.get("hold")),
        ("next action", status.get("next_action")),
        ("next action at", status.get("next_action_at")),
    ):
        summary.add_row(label, _text(value))
    console.print(summary)
    for title, rows, columns in (
        ("contact points", picture["contact_points"], ("kind", "value", "role", "label", "opted_out", "bad")),
        (
            "attempts",
            _local_times(picture["attempts"]),
            ("attempt", "channel", "template", "local_at", "status", "outcome"),
        ),
        ("payments", picture["payments"], ("reference", "amount_cents", "received_on", "source")),
        ("plans", picture["plans"], ("plan_no", "kind", "total_cents", "discount_cents", "status", "approved_by")),
        ("installments", _installments(picture["plans"]), ("plan_no", "number", "due_date", "amount_cents", "status")),
        ("promises", picture["promises"], ("promise_no", "amount_cents", "due_date", "status")),
        ("holds", picture["holds"], ("reference", "kind", "placed_at", "released_at", "outcome")),
        ("claims", picture["claims"], ("hold_reference", "kind", "amount_cents", "deadline", "filed_at")),
        ("placements", picture["placements"], ("placement_no", "agency_id", "placed_at", "status", "recall_reason")),
        ("notes", picture["notes"], ("at", "author", "text", "remind_on")),
        ("timeline", picture["timeline"], ("at", "what")),
    ):
        if rows:
            console.print(_records(title, rows, columns))


def note(
    account_id: AccountId,
    text: Annotated[str, typer.Argument(help="The note.")],
    remind_on: Annotated[
        str | None, typer.Option(help="ISO date, today or later: the account shows in the queue from that day.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a note to an account (its author: COLLECTIONS_ACTOR, else the login name), with an optional reminder."""
    from ops.notes import add_note

    reminder = parse_date(remind_on, "--remind-on") if remind_on is not None else None
    now, author = datetime.now(UTC), actor()
    if problem := note_problem(author=author, text=text, remind_on=reminder, today=now.date()):
        fail(problem)
    added = run(
        with_context(lambda ctx: add_note(ctx, account_id, text=text, author=author, remind_on=reminder, now=now))
    )
    if as_json:
        return print_json(dataclasses.asdict(added))
    when = f", reminder on {added.remind_on}" if added.remind_on else ""
    console.print(f"note {added.note_id} added to account {account_id} by {added.author}{when}")


def audit(
    account_id: AccountId,
    out: Annotated[Path, typer.Option("--out", help="A new or empty directory for the pack.")],
    as_json: JsonOption = False,
) -> None:
    """Write the account's audit pack: workflow history (replayable), audit log, every message sent, manifest."""
    from ops.audit_pack import write_audit_pack

    pack = run(with_context(lambda ctx: write_audit_pack(ctx, account_id, out, now=datetime.now(UTC))))
    if as_json:
        return print_json(dataclasses.asdict(pack))
    console.print(
        f"audit pack for account {account_id} in {pack.directory}: {pack.runs} workflow run(s), "
        f"{pack.messages} message(s), {len(pack.files)} files listed in manifest.json"
    )


def _local_times(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """'2026-11-23T02:06:08.329988-05:00' -> '2026-11-23 02:06 -05:00'."""
    return [{**a, "local_at": f"{a['local_at'][:16].replace('T', ' ')} {a['local_at'][-6:]}"} for a in attempts]


def _installments(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"plan_no": plan["plan_no"], **each} for plan in plans for each in plan["installments"]]


def _records(title: str, rows: list[dict[str, Any]], columns: Sequence[str]) -> Table:
    table = Table(*(c.removesuffix("_cents").replace("_", " ") for c in columns), title=title, title_justify="left")
    for row in rows:
        table.add_row(*(_cents(row[c]) if c.endswith("_cents") else _text(row[c]) for c in columns))
    return table


def _cents(cents: int | None) -> str:
    return "" if cents is None else format_cents(cents)


def _text(value: object) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
