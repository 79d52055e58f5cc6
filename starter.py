"""The operations and supervisor CLI: `python starter.py --help`. The commands live in cli/; this builds the app."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import typer

from cli import accounts, contacts, engine, negotiation, supervision
from cli.authority import operator_app, write_downs_app
from cli.contact_audit import audit_contacts
from cli.contact_points import contact_app
from cli.engine import db_app
from cli.events import event_app
from cli.exports import exports_app, outbox_app
from cli.payments import payments_app
from cli.placements import placements_app
from cli.reports import report_app, statement
from cli.strategies import simulate, strategy_app
from cli.web import token_app, web
from service.files import restrict_new_files
from service.logging import configure_logging
from store.failures import one_line

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Collections engine: operations and supervisor CLI.")
for name, group in (
    ("event", event_app), ("db", db_app), ("outbox", outbox_app), ("strategy", strategy_app),
    ("placements", placements_app), ("token", token_app), ("report", report_app), ("operator", operator_app),
    ("write-downs", write_downs_app), ("exports", exports_app), ("payments", payments_app), ("contact", contact_app),
):  # fmt: skip
    app.add_typer(group, name=name)
app.command()(statement)
app.command("audit-contacts")(audit_contacts)
app.command()(contacts.call)
app.command("next-call")(contacts.next_call)
for supervision_command in (
    supervision.queue, supervision.show, supervision.note, supervision.reminder_done, supervision.audit
):  # fmt: skip
    app.command()(supervision_command)
app.command()(web)
app.command("dev-server")(engine.dev_server)
app.command()(accounts.load)
app.command()(accounts.start)
for negotiation_command in (negotiation.offers, negotiation.propose, negotiation.approve, negotiation.decline):
    app.command()(negotiation_command)
app.command()(accounts.status)
app.command("list")(accounts.list_accounts)
app.command()(accounts.attempts)
app.command()(engine.watch)
app.command()(simulate)
app.command()(engine.demo)


def main() -> None:
    """Run the CLI and leave without interpreter teardown, which the SDK's core runtime can abort
    after the work is done ("PyGILState_Release", exit 134; sdk-python#300), as worker.py does."""
    restrict_new_files()  # the store, exports, reports, the dev server it execs: their owner's only
    configure_logging(log_format="console", level="warning")  # stdout is for the person; warnings on stderr
    code = 0
    try:
        app(prog_name="collections" if Path(sys.argv[0]).name == "collections" else "starter.py")
    except SystemExit as done:
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
            code = 1
        else:
            code = done.code or 0
    except KeyboardInterrupt:
        code = 130
    except Exception as err:  # a bug: one line for the person, the traceback on request
        if os.environ.get("COLLECTIONS_DEBUG"):
            traceback.print_exc()
        else:
            print(
                f"error: unexpected {one_line(err)} (COLLECTIONS_DEBUG=1 shows the traceback)",
                file=sys.stderr,
            )
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
