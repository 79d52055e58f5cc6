"""`payments post|suspense|resolve|refunds|postings`: payment files onto the book, and what no account took.

starter.py registers `app.add_typer(payments_app, name="payments")`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cli.common import JsonOption, console, fail, print_json, run, with_context
from cli.identity import act, caller
from cli.output import amount_column, free_column, money, new_table, print_table, when
from ops.context import OpsContext
from ops.posting import PostingReport, post_file
from ops.suspense import apply_item, items, postings, refund_item, refunds
from store.posting import PostingView, SuspenseView
from web.tokens import Caller, Permission

payments_app = typer.Typer(no_args_is_help=True, help="Payment files, the suspense queue and refunds.")


@payments_app.command("post")
def post(
    file: Annotated[Path, typer.Argument(help="A CSV or BAI2 lockbox file (README, 'Posting payment files').")],
    json: JsonOption = False,
) -> None:
    """Post a day's payments from a file: each item once, to the account it names; the rest to suspense."""
    who = caller(Permission.EVENTS)
    report: PostingReport = run(with_context(lambda ctx: post_file(ctx, file, actor=who.name)))
    if json:
        print_json(report.as_dict())
        return
    for line in report_lines(report):
        console.print(line, highlight=False, soft_wrap=True)


def report_lines(r: PostingReport) -> list[str]:
    """The posting report as a person reads it."""
    head = f"{r.file_name} ({r.format}): {r.items} items, {money(r.total_cents)}; control totals agree"
    lines = [
        f"{head} (posting {r.posting_id})",
        f"  posted      {r.posted:>6}  {money(r.posted_cents):>14}  sent to their accounts",
        f"  duplicates  {r.duplicates:>6}  {money(r.duplicate_cents):>14}  already on the book: nothing posted twice",
        f"  suspense    {r.suspense:>6}  {money(r.suspense_cents):>14}  to apply or refund: payments suspense",
    ]
    if r.unmatched:
        lines.append(f"    {r.unmatched} matched no account")
    if r.closed:
        lines.append(f"    {r.closed} for a closed account")
    for reason, count in sorted(r.refused.items()):
        lines.append(f"    {count} refused: {reason}")
    if r.resent:
        lines.append(f"  {r.resent} of the duplicates were sent before and not recorded yet: sent again, applied once")
    if r.over_payments:
        lines.append(
            f"  {r.over_payments} over-payment(s): {money(r.credit_cents)} credit to refund (payments refunds)"
        )
    return lines


@payments_app.command("suspense")
def suspense(
    all_items: Annotated[bool, typer.Option("--all", help="Resolved items too.")] = False, json: JsonOption = False
) -> None:
    """Posted payments no account took, with the file and line they came from."""
    caller(Permission.READ)

    found: list[SuspenseView] = run(with_context(lambda ctx: items(ctx, everything=all_items)))
    if json:
        print_json([asdict(i) for i in found])
        return
    if not found:
        console.print("the suspense queue is empty" if not all_items else "no suspense items")
        return
    table = new_table(
        "id", amount_column("amount"), "received", free_column("from"), free_column("account number / reference"),
        free_column("payer"), free_column("why"), "status", title=f"suspense: {len(found)} item(s)",
    )  # fmt: skip
    for i in found:
        status = i.status if i.status == "open" else f"{i.status} {i.resolved_account_id or ''} by {i.resolved_by}"
        table.add_row(
            str(i.id), money(i.amount_cents), when(i.received_on), f"{i.file_name}:{i.line}",
            " / ".join(x for x in (i.account_number, i.remittance_reference) if x) or "(none)", i.payer, i.reason,
            status.strip(),
        )  # fmt: skip
    print_table(console, table)
    if any(i.status == "open" for i in found):
        console.print("apply one to an account: payments resolve ID --account ACCOUNT", highlight=False)
        console.print("refund one (a supervisor): payments resolve ID --refund --reason ...", highlight=False)


@payments_app.command("resolve")
def resolve(
    item_id: Annotated[int, typer.Argument(metavar="ID", help="The suspense item (payments suspense).")],
    account: Annotated[str | None, typer.Option(help="Apply it to this account, as a payment.")] = None,
    refund: Annotated[bool, typer.Option("--refund", help="Send it back to the payer (a supervisor).")] = False,
    reason: Annotated[str, typer.Option(help="Why: kept with the item.")] = "",
) -> None:
    """Resolve a suspense item: apply it to an account, or mark it to be refunded."""
    if (account is None) == (not refund):
        fail("give --account ACCOUNT to apply the item, or --refund --reason ... to refund it")
    if account is not None:

        async def apply(ctx: OpsContext, who: Caller) -> str:
            return await apply_item(ctx, item_id, account, actor=who.name, note=reason)

        answer = act(account, "suspense.apply", apply, {"suspense_item": item_id})
    else:
        who = caller(Permission.APPROVE)
        answer = run(with_context(lambda ctx: refund_item(ctx, item_id, actor=who.name, reason=reason)))
    console.print(answer, highlight=False, soft_wrap=True)


@payments_app.command("refunds")
def refunds_list(json: JsonOption = False) -> None:
    """What is owed back: accounts paid past their balance, and suspense items decided to be refunded."""
    caller(Permission.READ)
    found = run(with_context(refunds))
    if json:
        print_json({"credits": [asdict(c) for c in found.credits], "items": [asdict(i) for i in found.items]})
        return
    if not found.credits and not found.items:
        console.print("nothing to refund")
        return
    if found.credits:
        table = new_table("account", "creditor", amount_column("credit"), "stage", title="credit balances")
        for c in found.credits:
            table.add_row(c.account_id, c.creditor, money(c.credit_cents, c.currency), c.stage or "not started")
        print_table(console, table)
    if found.items:
        table = new_table(
            "suspense id", amount_column("amount"), free_column("payer"), free_column("from"), "decided by",
            free_column("why"), title="suspense items to refund",
        )  # fmt: skip
        for i in found.items:
            table.add_row(str(i.id), money(i.amount_cents), i.payer, f"{i.file_name}:{i.line}", i.resolved_by or "",
                          i.resolution_note or "")  # fmt: skip
        print_table(console, table)


@payments_app.command("postings")
def postings_list(json: JsonOption = False) -> None:
    """The payment files posted, newest first: who posted each and what became of its items."""
    caller(Permission.READ)

    rows: list[PostingView] = run(with_context(postings))
    if json:
        print_json([asdict(r) for r in rows])
        return
    table = new_table("id", free_column("file"), "format", "items", amount_column("total"), "posted", "duplicates",
                      "suspense", "by", "when", title="payment files posted")  # fmt: skip
    for r in rows:
        table.add_row(str(r.id), r.file_name, r.format, str(r.items), money(r.total_cents), str(r.posted),
                      str(r.duplicates), str(r.suspense), r.posted_by, when(r.started_at))  # fmt: skip
    print_table(console, table)
