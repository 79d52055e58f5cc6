"""Export batches in the store: exports made before numbered batches become batches (0009), writable again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import update

from domain.contact import Channel
from store import exports, repository
from store.db import alembic_config, make_engine, make_session_factory, migrate
from store.models import OutboxRow, PlacementRow
from store.outbox import outbox_batch
from store.placements import placement_batch
from tests.support.accounts import add_account

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EARLIER, LATER = datetime(2026, 3, 1, 9, 0, tzinfo=UTC), datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


async def test_exports_made_before_batches_become_batches_that_can_be_written_again(blank_database_url: str) -> None:
    await migrate(blank_database_url)
    engine = make_engine(blank_database_url)
    sessions = make_session_factory(engine)
    try:
        for account_id in ("A1", "A2"):
            await add_account(sessions, account_id)
        async with sessions() as session, session.begin():
            point = (await repository.contact_points_for(session, "A1"))[0].contact_point_id
            for n in range(1, 5):
                await repository.enqueue_outbox(
                    session, attempt_key=f"attempt:A1:{n}", account_id="A1", channel=Channel.CALL,
                    contact_point_id=point, recipient="Pat", subject=None, body=f"call {n}", now=NOW,
                )  # fmt: skip
            for account_id in ("A1", "A2"):
                await repository.place_account(
                    session, account_id=account_id, placement_no=1, agency_id="acme", balance_cents=100,
                    commission_bps=2_500, now=NOW,
                )  # fmt: skip
            # As the exports before 0009 left them: a batch name on the outbox, a time on placements.
            await session.execute(
                update(OutboxRow).where(OutboxRow.id <= 2).values(exported_at=EARLIER, export_batch="call-old")
            )
            await session.execute(
                update(OutboxRow).where(OutboxRow.id == 3).values(exported_at=LATER, export_batch="c2")
            )
            await session.execute(update(PlacementRow).values(exported_at=LATER))
        await engine.dispose()
        await asyncio.to_thread(command.downgrade, alembic_config(blank_database_url), "0008_write_downs")

        await migrate(blank_database_url)

        async with sessions() as session:
            batches = await exports.list_batches(session)
            assert [(b.kind, b.scope, b.row_count, b.created_at, b.file) for b in batches] == [
                ("outbox", "call", 2, EARLIER, None), ("outbox", "call", 1, LATER, None),
                ("placements", "acme", 2, LATER, None),
            ]  # fmt: skip
            first, second, placed = (b.number for b in batches)
            assert [row.body for row in await outbox_batch(session, first)] == ["call 1", "call 2"]
            assert [row.body for row in await outbox_batch(session, second)] == ["call 3"]
            assert [row.account_id for row in await placement_batch(session, placed)] == ["A1", "A2"]
            [waiting] = [r for r in await repository.outbox_entries(session) if r.export_batch_no is None]
            assert waiting.body == "call 4", "a message never exported stays for the next export"
    finally:
        await engine.dispose()
