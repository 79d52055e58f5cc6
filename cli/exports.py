"""`outbox export`, `placements export` and `exports list`: numbered batches, never an overwritten file.

`outbox_app` holds `outbox export`; cli/placements.py registers `placements export`; starter.py adds the
groups with `app.add_typer`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from cli.common import JsonOption, actor, console, fail, print_json, require_agency, run, settings
from cli.output import amount_column, free_column, new_table, print_table, when
from ops.exports import Export, kind_text, list_batches

exports_app = typer.Typer(no_args_is_help=True, help="Outbox and placement exports: numbered batches.")
outbox_app = typer.Typer(no_args_is_help=True, help="Letters, texts and calls waiting for their channel.")
FileOption = Annotated[Path, typer.Option(help="CSV file to write: a new file (an existing one is never overwritten).")]
BatchOption = Annotated[
    int | None, typer.Option("--batch", help="Write this past batch again (see 'collections exports list').")
]


@outbox_app.command("export")
def outbox_export(
    file: Annotated[
        Path | None, typer.Option(help="CSV file to write: a new file (an existing one is never overwritten).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Letters as print-ready PDFs in this new or empty folder: one per letter, the batch, a manifest."
        ),
    ] = None,
    channel: Annotated[str | None, typer.Option(help="letter, sms or call (email without SMTP too).")] = None,
    batch: BatchOption = None,
) -> None:
    """Hand queued letters, texts or calls to the printer, SMS provider or dialer: each once, in a numbered batch."""
    from ops.outbox import export_letters, export_outbox_file, write_letter_batch, write_outbox_batch

    now, url = datetime.now(UTC), settings().database_url
    if file is not None and out is not None:
        fail("give --file (a CSV file) or --out (a folder of letters as PDFs), not both")
    if file is None and out is None:
        fail("give --file FILE.csv, or --out FOLDER for letters as print-ready PDFs")
    if out is not None and channel not in (None, "letter"):
        fail(f"--out writes letters as PDFs; {channel} messages go to a CSV file: give --file FILE.csv")
    if batch is not None:
        if out is not None:
            _say(run(write_letter_batch(url, batch, out, now)), again=True)
        else:
            assert file is not None
            _say(run(write_outbox_batch(url, batch, file, now, channel)), again=True)
    elif channel is None:
        fail("give --channel (letter, sms, call, email), or --batch N to write a past batch again")
    elif out is not None:
        _say(run(export_letters(url, out, now, by=actor())), again=False)
    else:
        assert file is not None
        _say(run(export_outbox_file(url, channel, file, now, by=actor())), again=False)


def placements_export(
    file: FileOption,
    agency: Annotated[str | None, typer.Option(help="The agency's id in the strategy file.")] = None,
    batch: BatchOption = None,
) -> None:
    """Write the agency's placement file: every placement not yet sent to it, each once, in a numbered batch."""
    from ops.placements import export_placement_file, write_placement_batch

    now, url = datetime.now(UTC), settings().database_url
    if batch is not None:
        _say(run(write_placement_batch(url, batch, file, now, agency)), again=True)
    elif agency is None:
        fail("give --agency, or --batch N to write a past batch again")
    else:
        require_agency(agency)
        _say(run(export_placement_file(url, agency, file, now, by=actor())), again=False)


def _say(done: Export, *, again: bool) -> None:
    if done.batch is None:
        line = f"nothing to export: no {done.description.removeprefix('0 ')} waiting; no batch made, no file written"
    elif not again:
        line = f"batch {done.batch}: {done.description} written to {done.path}"
        if done.summary:
            line += f" ({done.summary})"
    elif done.summary:  # letters as PDFs: what a re-export compares is the letters as first written
        same = "identical to its first files" if done.same_as_first else (
            "NOT identical to its first files: it was first written another way (a CSV file)")  # fmt: skip
        line = f"batch {done.batch} written again: {done.description} to {done.path} ({same}; {done.summary})"
    else:
        same = "identical to its first file" if done.same_as_first else (
            "NOT identical to its first file: the accounts' details have changed since")  # fmt: skip
        line = f"batch {done.batch} written again: {done.description} to {done.path} ({same})"
    console.print(line, highlight=False, soft_wrap=True, markup=False)


@exports_app.command("list")
def exports_list(as_json: JsonOption = False) -> None:
    """Every outbox and placement export: batch number, when, who, rows, the file last written."""
    batches = run(list_batches(settings().database_url))
    if as_json:
        return print_json([asdict(batch) for batch in batches])
    if not batches:
        console.print("no exports yet")
        return
    table = new_table(
        amount_column("batch"), "export", "made", free_column("by"), amount_column("rows"), "written",
        free_column("file"), title="export batches",
    )  # fmt: skip
    for batch in batches:
        table.add_row(
            str(batch.number), kind_text(batch).removeprefix("an ").removeprefix("a "), when(batch.created_at),
            batch.created_by, str(batch.row_count), when(batch.written_at) or "not written", batch.file or "",
        )  # fmt: skip
    print_table(console, table)
