"""Supervisor commands: the work queue, one account's full picture, notes, the audit pack.

Plain functions; starter.py registers each with `app.command()(fn)`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Column, Table

from cli.common import JsonOption, console, fail, parse_date, print_json, run, with_context
from cli.identity import act, caller
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
    when,
    words,
)  # fmt: skip
from domain.money import InvalidAmount, parse_amount
from domain.notes import note_problem
from ops import claims, disclosed
from ops.context import OpsContext
from ops.queue import REASONS, SORTS, Filters, QueueItem, work_queue
from ops.views import local_time
from web.tokens import Permission, Role

if TYPE_CHECKING:
    from ops.audit_pack import AuditPack

AccountId = Annotated[str, typer.Argument(metavar="ID")]


def queue(
    stage: Annotated[str | None, typer.Option(help="Only accounts in this stage.")] = None,
    hold: Annotated[str | None, typer.Option(help="Only accounts on this kind of hold.")] = None,
    segment: Annotated[str | None, typer.Option(help="Only accounts of this segment.")] = None,
    creditor: Annotated[str | None, typer.Option(help="Only this creditor's (a medical one by its billing name).")] = (
        None
    ),
    min_balance: Annotated[str | None, typer.Option(help="Only balances of at least this much, e.g. 100.00.")] = None,
    sort: Annotated[
        str, typer.Option(help=f"One of {', '.join(SORTS)} (QUEUE_PRIORITY's score, largest, oldest due, stage order).")
    ] = "priority",
    reason: Annotated[
        list[str] | None, typer.Option("--reason", help=f"Only this reason (repeatable): {', '.join(REASONS)}.")
    ] = None,
    take_next: Annotated[
        bool,
        typer.Option(
            "--next", help="Take the first account nobody else has taken (yours for QUEUE_CLAIM_MINUTES) and say which."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The accounts waiting for a person, highest priority first: approvals, offers to make, disputes to verify,
    probate, reminders, promises due today; `--next` takes the first one for you."""
    try:
        min_cents = parse_amount(min_balance, allow_zero=True) if min_balance is not None else None
    except InvalidAmount as err:
        fail(str(err))
    if take_next:
        if len(reason or []) > 1 or sort != "priority":
            fail("--next takes the first by priority, with at most one --reason; nothing changed")
        filters = Filters.given(
            stage=stage, hold=hold, segment=segment, creditor=creditor, reason=reason[0] if reason else None,
            min_balance_cents=min_cents,
        )  # fmt: skip
        return _take_next(filters, as_json)
    today, who = datetime.now(UTC).date(), caller(Permission.READ)

    async def shown(ctx: OpsContext) -> list[QueueItem]:
        items = await work_queue(
            ctx, stage=stage, hold=hold, min_balance_cents=min_cents, segment=segment, creditor=creditor,
            reasons=reason, sort=sort, today=today,
        )  # fmt: skip
        return await disclosed.queue_for(ctx, items, actor=who.name, role=who.role, view="cli_queue")

    items = run(with_context(shown))
    if as_json:
        return print_json([item.as_dict() for item in items])
    if not items:
        console.print("no account is waiting for a person", highlight=False)
        return
    taken = any(item.taken_by for item in items)
    table = new_table(
        id_column("account", (item.account_id for item in items)), "waiting for", "stage", amount_column("balance"),
        amount_column("past due"), free_column("reminder"), *(["taken by"] if taken else []),
    )  # fmt: skip
    for item in items:
        table.add_row(
            item.account_id, ", ".join(REASON_WORDS.get(r, words(r)) for r in item.reasons),
            stage_text(item.stage, item.hold), money(item.balance_cents),
            "" if item.days_past_due is None else f"{item.days_past_due} days", "; ".join(item.reminders),
            *([_taken(item)] if taken else []),
        )  # fmt: skip
    print_table(console, table)
    console.print(f"{len(items)} account(s) waiting", highlight=False)


def _taken(item: QueueItem) -> str:
    return f"{item.taken_by} until {item.taken_until:%H:%M} UTC" if item.taken_by and item.taken_until else ""


def _take_next(filters: Filters, as_json: bool) -> None:
    who = caller(Permission.EVENTS)

    async def take(ctx: OpsContext) -> dict[str, str]:
        return await claims.take_next(ctx, who, filters, now=datetime.now(UTC), key=None)

    answer = run(with_context(take))
    if as_json:
        return print_json(answer)
    console.print(answer["result"], highlight=False)


def show(account_id: AccountId, as_json: JsonOption = False) -> None:
    """One account's full picture: status, contact points, attempts, payments, plans, promises, holds,
    placements, notes and the workflow's timeline, as your role may see it (audited)."""
    who = caller(Permission.READ)

    async def shown(ctx: OpsContext) -> dict[str, Any]:
        _full, picture = await disclosed.picture_for(ctx, account_id, actor=who.name, role=who.role, view="cli_show")
        return picture

    picture = run(with_context(shown))
    if as_json:
        return print_json(picture)
    account, status = picture["account"], picture["status"]
    summary = new_table("", free_column(""), title=f"account {account_id}", show_header=False)
    for label, value in (
        ("debtor", account["debtor_name"]),
        ("address", f"{account['street']}, {account['city']}, {account['state']} {account['postal_code']}"),
        ("time zone", account.get("timezone")),
        ("creditor", account["creditor"]),
        ("segment", account["segment"]),
        ("original balance", money(account["original_balance_cents"], account["currency"])),
        ("due date", account["due_date"]),
        *status_rows(status),
    ):
        if value not in (None, ""):
            summary.add_row(label, _text(value))
    print_table(console, summary)
    for title, rows, columns in (
        ("contact points", picture["contact_points"], ("kind", "value", "role", "label", "opted_out", "bad")),
        (
            "contact attempts (the debtor's local time)",
            _attempt_rows(picture["attempts"]),
            ("attempt", "channel", "template", "local time", "result"),
        ),
        ("payments", picture["payments"], ("reference", "amount_cents", "received_on", "source", "returned")),
        ("plans", picture["plans"], ("plan_no", "kind", "total_cents", "discount_cents", "status", "approved_by")),
        ("installments", _installments(picture["plans"]), ("plan_no", "number", "due_date", "amount_cents", "status")),
        ("promises", picture["promises"], ("promise_no", "amount_cents", "due_date", "status")),
        ("holds", picture["holds"], ("reference", "kind", "placed_at", "released_at", "outcome")),
        ("claims", picture["claims"], ("hold_reference", "kind", "amount_cents", "deadline", "filed_at")),
        ("placements", picture["placements"], ("placement_no", "agency_id", "placed_at", "status", "recall_reason")),
        ("notes", picture["notes"], ("note_id", "at", "author", "text", "remind_on", "reminder_done_by")),
        ("timeline", picture["timeline"], ("at", "what")),
    ):
        if rows:
            print_table(console, _records(title, rows, columns))


def note(
    account_id: AccountId,
    text: Annotated[str, typer.Argument(help="The note.")],
    remind_on: Annotated[
        str | None, typer.Option(help="ISO date, today or later: the account shows in the queue from that day.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a note to an account (its author: your configured identity, `operator add`), with an optional reminder."""
    from ops.notes import add_note

    reminder = parse_date(remind_on, "--remind-on") if remind_on is not None else None
    now, author = datetime.now(UTC), caller().name
    if problem := note_problem(author=author, text=text, remind_on=reminder, today=now.date()):
        fail(problem)
    added = run(
        with_context(lambda ctx: add_note(ctx, account_id, text=text, author=author, remind_on=reminder, now=now))
    )
    if as_json:
        return print_json(dataclasses.asdict(added))
    when = f", reminder on {added.remind_on}" if added.remind_on else ""
    console.print(f"note {added.note_id} added to account {account_id} by {added.author}{when}")


def reminder_done(
    account_id: AccountId, note_id: Annotated[int, typer.Argument(metavar="NOTE", help="The note's number.")]
) -> None:
    """Mark a note's reminder done, as your configured identity: it leaves the work queue, the note stays."""
    from ops.notes import reminder_done as mark_done

    done = act(
        account_id, "reminder_done",
        lambda ctx, who: mark_done(ctx, account_id, note_id, actor=who.name, now=datetime.now(UTC)),
        {"note_id": note_id},
    )  # fmt: skip
    console.print(done, highlight=False)


def audit(
    account_id: AccountId,
    out: Annotated[Path, typer.Option("--out", help="A new or empty directory for the pack.")],
    as_json: JsonOption = False,
) -> None:
    """Write the account's audit pack: workflow history (replayable), audit log, every message sent, manifest.

    It holds the account's personal data unmasked: a supervisor writes it, and the view is audited."""
    from ops.audit_pack import write_audit_pack

    who = caller(Permission.READ)
    if who.role != Role.SUPERVISOR:
        fail(
            f"{who.name} ({who.role}) may not write an audit pack (the account's full personal data): a supervisor does"
        )

    async def written(ctx: OpsContext) -> AuditPack:
        pack = await write_audit_pack(ctx, account_id, out, now=datetime.now(UTC))
        await disclosed.record_views(ctx, [account_id], actor=who.name, role=who.role, view="audit_pack")
        return pack

    pack = run(with_context(written))
    if as_json:
        return print_json(dataclasses.asdict(pack))
    console.print(
        f"audit pack for account {account_id} in {pack.directory}: {pack.runs} workflow run(s), "
        f"{pack.messages} message(s), {len(pack.files)} files listed in manifest.json"
    )


def _attempt_rows(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each attempt with its local time and zone ('2026-11-23 02:06 America/New_York') and its result in words."""
    return [
        {**a, "local time": local_time(a["local_at"], a.get("zone")), "result": attempt_result(a)} for a in attempts
    ]


def _installments(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"plan_no": plan["plan_no"], **each} for plan in plans for each in plan["installments"]]


RECORD_HEADERS = {"attempt": "#", "number": "#", "promise_no": "#", "placement_no": "#", "note_id": "#"}
RECORD_HEADERS |= {"reminder_done_by": "reminder done by"}
RECORD_HEADERS |= {"plan_no": "plan", "agency_id": "agency"}
FREE_TEXT = {"text", "what", "reason", "recall_reason", "value", "label", "template", "result", "outcome"}
WORDED = {"kind", "status", "channel", "template", "outcome", "role", "source"}
REASON_WORDS = {
    "offer": "an offer", "approval": "approval", "verification": "verification", "probate": "probate",
    "promise_due": "a promise due",
}  # fmt: skip


def _records(title: str, rows: list[dict[str, Any]], columns: Sequence[str]) -> Table:
    def header(column: str) -> str:
        return RECORD_HEADERS.get(column, words(column.removesuffix("_cents")))

    def column(name: str) -> str | Column:
        if name.endswith("_cents"):
            return amount_column(header(name))
        return free_column(header(name)) if name in FREE_TEXT else header(name)

    table = new_table(*(column(c) for c in columns), title=title)
    for row in rows:
        table.add_row(*(_cell(c, row.get(c)) for c in columns))
    return table


def _cell(column: str, value: object) -> str:
    if column.endswith("_cents"):
        return money(value if isinstance(value, int) else None)
    if column in WORDED and isinstance(value, str):
        return words(value)
    return _text(value)


def _text(value: object) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, datetime | date):
        return when(value)
    return str(value)
