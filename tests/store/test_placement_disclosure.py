"""Minimum necessary in the placement file: a medical account's creditor goes to an agency by its billing name."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import repository
from tests.store.test_placements import export, place
from tests.support.accounts import account_record

CREDITOR = "Springfield Oncology Associates"


async def test_a_medical_accounts_placement_row_names_no_service(sessions: async_sessionmaker[AsyncSession]) -> None:
    medical = dataclasses.replace(account_record("A1"), creditor=CREDITOR, medical=True, segment="medical")
    other = dataclasses.replace(account_record("A2"), creditor="Northwind Oncology Bank", medical=False)
    async with sessions() as session, session.begin():
        await repository.upsert_accounts(session, [medical, other], now=datetime.now(UTC))
    await place(sessions, account_id="A1")
    await place(sessions, account_id="A2")
    rows = await export(sessions)
    assert {row.account_id: row.creditor for row in rows} == {
        "A1": "Springfield",
        "A2": "Northwind Oncology Bank",  # not a medical account: as loaded
    }
    assert rows[0].debtor_name == "Pat Example", "the agency still gets whom to collect from"
