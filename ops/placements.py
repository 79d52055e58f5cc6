"""Agency placements: the placement file per agency (each placement once), recalls, the list."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import referral, validation
from domain.money import plain_amount
from domain.referral_messages import RecallInput
from ops import account_workflows
from ops.context import OpsContext
from ops.exports import Export, ExportKind, export_new, write_batch
from store import repository
from store.placements import placement_batch
from store.views import PlacementExportRow

COLUMNS = (
    "account_id", "placement_no", "agency_id", "creditor", "debtor_name", "street", "city", "state", "postal_code",
    "phone", "email", "balance_placed", "currency", "due_date", "placed_at", "commission_pct",
)  # fmt: skip


def _line(row: Any) -> list[object]:
    values = dataclasses.asdict(row)
    values["balance_placed"] = plain_amount(row.balance_placed_cents)
    values["commission_pct"] = f"{row.commission_bps / 100:g}"
    return [values[name] for name in COLUMNS]


async def _mark(session: AsyncSession, agency_id: str, now: datetime, batch_no: int) -> Sequence[PlacementExportRow]:
    return await repository.export_placements(session, agency_id=agency_id, now=now, batch_no=batch_no)


def _noun(agency_id: str, count: int) -> str:
    return f"{count} placement{'' if count == 1 else 's'} for {agency_id}"


PLACEMENT_FILE = ExportKind(
    kind="placements", command="collections placements export", columns=COLUMNS, mark=_mark,
    rows_of=placement_batch, line=_line, noun=_noun,
)  # fmt: skip


async def export_placement_file(database_url: str, agency_id: str, path: Path, now: datetime, *, by: str) -> Export:
    """The agency's placements not yet sent, as a new numbered batch written to `path` (a new file).

    The placements are marked with the batch before the file is written: a failed write keeps the batch,
    to be written with `--batch N` (agencies drop repeats by account_id + placement_no).
    """
    return await export_new(database_url, PLACEMENT_FILE, agency_id, path, now=now, by=by)


async def write_placement_batch(
    database_url: str, number: int, path: Path, now: datetime, agency_id: str | None = None
) -> Export:
    return await write_batch(database_url, PLACEMENT_FILE, number, path, now=now, scope=agency_id)


async def placements(ctx: OpsContext, account_id: str) -> list[dict[str, Any]]:
    await account_workflows.require_account(ctx, account_id)
    async with ctx.sessions() as session:
        return [dataclasses.asdict(p) for p in await repository.placements_for(session, account_id)]


async def recall(ctx: OpsContext, account_id: str, reason: str) -> str:
    """Take the account back from its agency; the workflow records the recall and moves it to the internal desk."""
    await account_workflows.require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        placement = await repository.active_placement(session, account_id)
    agency_id = placement.agency_id if placement else None
    account_workflows.refuse(validation.recall_problem(account_id, agency_id, internal_desk=referral.INTERNAL_DESK))
    assert placement is not None
    await account_workflows.send_running(ctx, account_id, "recall_placement", RecallInput(reason))
    return f"recall of {account_id} from {placement.agency_id} (placement #{placement.placement_no}) sent"
