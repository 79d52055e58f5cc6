"""`placements export|recall|list`: accounts placed with collection agencies.

starter.py registers `app.add_typer(placements_app, name="placements")`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOption, console, print_json, run, with_context
from cli.exports import placements_export
from cli.identity import act
from cli.output import amount_column, free_column, money, new_table, print_table, words

placements_app = typer.Typer(no_args_is_help=True, help="Accounts placed with collection agencies.")
placements_app.command("export")(placements_export)


@placements_app.command("recall")
def placements_recall(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why the account comes back.")] = "recalled by operations",
) -> None:
    """Take an account back from its agency; the internal desk works it from then on."""
    from ops import placements

    console.print(act(account_id, "recall", lambda ctx, _: placements.recall(ctx, account_id, reason)))


@placements_app.command("list")
def placements_list(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """An account's placements: agency, balance placed, commission, collected, recall."""
    from ops import placements

    rows = run(with_context(lambda ctx: placements.placements(ctx, account_id)))
    if as_json:
        return print_json(rows)
    if not rows:
        console.print(f"account {account_id} has not been placed with an agency", highlight=False)
        return
    table = new_table(
        amount_column("#"), "agency", "placed on", amount_column("balance"), amount_column("rate"),
        amount_column("collected"), amount_column("commission"), "status", free_column("recall reason"),
        title=f"placements of account {account_id}",
    )  # fmt: skip
    for row in rows:
        table.add_row(
            str(row["placement_no"]), row["agency_id"], f"{row['placed_at']:%Y-%m-%d}",
            money(row["balance_placed_cents"]), f"{row['commission_bps'] / 100:g}%",
            money(row["collected_cents"]), money(row.get("commission_cents")), words(row["status"]),
            row["recall_reason"] or "",
        )  # fmt: skip
    print_table(console, table)
