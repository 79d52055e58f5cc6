"""Running the engine: `dev-server`, `db upgrade`, `watch` and `demo`.

starter.py registers the commands and `app.add_typer(db_app, name="db")`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, errors, run, settings, warn_if_clear_text, with_context
from store.db import migrate

db_app = typer.Typer(no_args_is_help=True, help="The account store's schema.")


def dev_server(
    port: Annotated[int, typer.Option(help="gRPC port; the Web UI is on port + 1000.")] = 7233,
    data_dir: Annotated[Path, typer.Option(help="Where the server keeps its state.")] = Path(".data"),
    headless: Annotated[bool, typer.Option(help="No Web UI.")] = False,
) -> None:
    """Run the embedded Temporal dev server in the foreground, state persisted, search attributes registered."""
    from service.dev_server import dev_server_command, private_db_file

    command = dev_server_command(port=port, db_file=private_db_file(data_dir), headless=headless)
    if not headless:
        errors.print(f"Temporal Web UI: http://127.0.0.1:{port + 1000}")
    os.execv(command[0], command)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the store's migrations (DATABASE_URL)."""
    url = settings().database_url
    run(migrate(url))
    console.print(f"schema is current on {url.split('@')[-1]}")


def watch(
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between refreshes.")] = 2.0,
) -> None:
    """A live view of accounts by stage (Ctrl-C to stop)."""
    from ops.live import watch_stages

    run(with_context(lambda ctx: watch_stages(ctx, console, interval=interval)))


def demo(
    accounts: Annotated[int, typer.Option(min=1, max=5000, help="Size of the demo portfolio.")] = 60,
    minutes: Annotated[float, typer.Option(min=0.1, help="How long the debtors, dialer and desk play.")] = 2.5,
    seed: Annotated[int, typer.Option(help="Seed of the portfolio and the debtor events.")] = 7,
    stay: Annotated[bool, typer.Option(help="Keep the live view after the last event, until Ctrl-C.")] = True,
    headless: Annotated[
        bool, typer.Option(help="No live view: a line per event and change, stop after --minutes, report.")
    ] = False,
) -> None:
    """The main job on the embedded default: dev server, worker, web, a demo portfolio, a live view by stage."""
    import asyncio

    from ops.demo import export_run_letters, run_demo

    warn_if_clear_text()
    try:
        run(run_demo(settings(), console, accounts=accounts, minutes=minutes, seed=seed, stay=stay, headless=headless))
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print("stopped; the dev server and the store keep their state in .data/")
        run(export_run_letters(settings().database_url, console))
