"""`starter.py audit-contacts FILE`: the independent Regulation F check of an attempts file (ops/contact_audit.py).

starter.py registers it: `app.command("audit-contacts")(audit_contacts)`. It reads the file only: no
store, no Temporal.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from cli.common import JsonOption, console, fail, print_json
from ops import contact_audit
from ops.contact_audit_file import read_file
from ops.contact_audit_rows import AuditInputError


def audit_contacts(
    file: Annotated[Path, typer.Argument(help="An attempts file (`simulate --attempts FILE` writes one).")],
    as_json: JsonOption = False,
) -> None:
    """Check every contact in an attempts file against Regulation F on its own terms; exit 1 on any violation."""
    try:
        audit = contact_audit.check(read_file(file))
    except AuditInputError as err:
        fail(str(err))
    if as_json:
        print_json({**dataclasses.asdict(audit), "by_rule": audit.by_rule})
    else:
        for line in contact_audit.summary_lines(audit):
            console.print(line, highlight=False, soft_wrap=True, markup=False)
    if audit.violations:
        raise typer.Exit(1)
