"""Agency placements: the placement file per agency (each placement once), recalls, the list."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from domain import referral
from domain.money import plain_amount
from domain.referral_messages import RecallInput
from ops import account_workflows
from ops.context import OpsContext
from ops.csv_files import write_csv
from ops.errors import OpsError
from store import repository
from store.db import ensure_schema, make_engine, make_session_factory

COLUMNS = (
    "account_id", "placement_no", "agency_id", "creditor", "debtor_name", "street", "city", "state", "postal_code",
    "phone", "email", "balance_placed", "currency", "due_date", "placed_at", "commission_pct",
)  # fmt: skip


def _line(row: Any) -> list[object]:
    values = dataclasses.asdict(row)
    values["balance_placed"] = plain_amount(row.balance_placed_cents)
    values["commission_pct"] = f"{row.commission_bps / 100:g}"
    return [values[name] for name in COLUMNS]


async def export_placement_file(database_url: str, agency_id: str, path: Path, now: datetime) -> int:
    """Write the agency's new placements to `path` (CSV) and mark them exported, in one transaction.

    The file is on disk before the commit: a failure may repeat a placement in the next file
    (agencies drop repeats by account_id + placement_no) but never loses one.
    """
    await ensure_schema(database_url)
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            rows = await repository.export_placements(session, agency_id=agency_id, now=now)
            write_csv(path, COLUMNS, [_line(row) for row in rows])
    finally:
        await engine.dispose()
    return len(rows)


async def placements(ctx: OpsContext, account_id: str) -> list[dict[str, Any]]:
    await account_workflows.require_account(ctx, account_id)
    async with ctx.sessions() as session:
        return [dataclasses.asdict(p) for p in await repository.placements_for(session, account_id)]


async def recall(ctx: OpsContext, account_id: str, reason: str) -> str:
    """Take the account back from its agency; the workflow records the recall and moves it to the internal desk."""
    await account_workflows.require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        placement = await repository.active_placement(session, account_id)
    if placement is None:
        raise OpsError(f"account {account_id} is not placed with an agency: nothing changed")
    if placement.agency_id == referral.INTERNAL_DESK:
        raise OpsError(f"account {account_id} is already with the internal desk: nothing changed")
    await account_workflows.send_running(ctx, account_id, "recall_placement", RecallInput(reason))
    return f"recall of {account_id} from {placement.agency_id} (placement #{placement.placement_no}) sent"
