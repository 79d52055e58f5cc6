"""`collections operator ...` (who each OS login is at the CLI) and `collections write-downs ...` (maker-checker)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import JsonOption, console, fail, print_json, run, settings, with_context
from cli.identity import caller
from cli.output import amount_column, id_column, new_table, print_table, when
from ops import write_downs
from ops.errors import OpsError
from ops.operators import add_operator, load_operators, remove_operator
from web.tokens import Permission, Role

operator_app = typer.Typer(no_args_is_help=True, help="Who each OS login is at the CLI (the administrator's file).")
write_downs_app = typer.Typer(
    invoke_without_command=True, help="Write-downs waiting for a supervisor: list, approve, decline."
)


@operator_app.command("add")
def operator_add(
    user: Annotated[str, typer.Option(help="The OS login name.")],
    name: Annotated[str, typer.Option(help="The name the audit log records for this person.")],
    role: Annotated[Role, typer.Option(help="viewer, operations or supervisor.")],
) -> None:
    """Give an OS login a name and a role at the CLI (OPERATORS_FILE, kept mode 0600)."""
    path = settings().operators_file
    try:
        added = add_operator(path, user, name, role)
    except OpsError as err:
        fail(str(err))
    console.print(
        f"OS user {user} acts as {added.name} ({added.role}) at the CLI ({path})", highlight=False, soft_wrap=True
    )


@operator_app.command("list")
def operator_list() -> None:
    """Each OS login with its name and role."""
    try:
        operators = load_operators(settings().operators_file)
    except OpsError as err:
        fail(str(err))
    if not operators:
        console.print("no operators (add one with `operator add`)", highlight=False)
        return
    table = new_table(id_column("OS user", operators), id_column("name", (c.name for c in operators.values())), "role")
    for user, found in sorted(operators.items()):
        table.add_row(user, found.name, found.role)
    print_table(console, table)


@operator_app.command("remove")
def operator_remove(user: Annotated[str, typer.Option(help="The OS login name.")]) -> None:
    """Take an OS login's identity away: its CLI writes are refused from now on."""
    try:
        removed = remove_operator(settings().operators_file, user)
    except OpsError as err:
        fail(str(err))
    if removed is None:
        fail(f"OS user {user} has no operator identity")
    console.print(f"OS user {user} ({removed.name}, {removed.role}) removed", highlight=False)


@write_downs_app.callback()
def write_downs_list(
    context: typer.Context,
    every: Annotated[bool, typer.Option("--all", help="Decided ones too, not only those waiting.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The write-downs waiting for a supervisor (`write-downs approve N`, `write-downs decline N --reason ...`)."""
    if context.invoked_subcommand is not None:
        return
    found = run(with_context(lambda ctx: write_downs.list_write_downs(ctx, status=None if every else "pending")))
    if as_json:
        print_json([write_downs.as_dict(item) for item in found])
        return
    if not found:
        console.print("no write-down is waiting for a supervisor" if not every else "no write-downs", highlight=False)
        return
    table = new_table(
        amount_column("#"), id_column("account", (i.account_id for i in found)), "what", "asked by", "asked", "status"
    )
    for item in found:
        status = item.status if item.decided_by is None else f"{item.status} by {item.decided_by}"
        table.add_row(
            str(item.number), item.account_id, write_downs.what(item), f"{item.requested_by} ({item.requested_role})",
            when(item.requested_at), status,
        )  # fmt: skip
    print_table(console, table)


@write_downs_app.command("approve")
def write_downs_approve(number: Annotated[int, typer.Argument(metavar="N", min=1)]) -> None:
    """Approve write-down N (a supervisor other than the one who asked): the write-down is applied once."""
    who = caller(Permission.APPROVE)
    decided = run(with_context(lambda ctx: write_downs.decide(ctx, number, who, approve=True)))
    console.print(decided, highlight=False, soft_wrap=True)


@write_downs_app.command("decline")
def write_downs_decline(
    number: Annotated[int, typer.Argument(metavar="N", min=1)],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
) -> None:
    """Decline write-down N: nothing is written down; the hold stays until it is released otherwise."""
    who = caller(Permission.APPROVE)
    decided = run(with_context(lambda ctx: write_downs.decide(ctx, number, who, approve=False, reason=reason)))
    console.print(decided, highlight=False, soft_wrap=True)
