"""Payment files in the store: the suspense queue once per item, resolved once, and what the book already holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import posting, repository
from tests.support.accounts import add_account

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def item(reference: str, posting_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "item_reference": reference, "posting_id": posting_id, "file_name": "day.csv", "line": 4,
        "amount_cents": 1_200, "received_on": date(2026, 1, 31), "account_number": "ZZ9",
        "remittance_reference": "", "payer": "Jane Roe", "reason": "no account matches", "created_at": NOW,
        **changes,
    }  # fmt: skip


async def new_posting(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session, session.begin():
        return await posting.start_posting(
            session, file_name="day.csv", sha256="0" * 64, fmt="csv", items=3, total_cents=3_600, actor="olga", now=NOW
        )


async def test_an_item_enters_suspense_once_even_from_two_postings_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await new_posting(sessions), await new_posting(sessions)

    async def add(posting_id: int) -> None:
        async with sessions() as session, session.begin():
            await posting.add_suspense(session, [item("S-1", posting_id), item(f"S-only-{posting_id}", posting_id)])

    await asyncio.gather(add(first), add(second))

    async with sessions() as session:
        queued = await posting.suspense_items(session)
    assert sorted(i.item_reference for i in queued) == sorted(["S-1", f"S-only-{first}", f"S-only-{second}"])
    assert all((i.status, i.file_name, i.line, i.payer) == ("open", "day.csv", 4, "Jane Roe") for i in queued)


async def test_an_item_is_resolved_once_and_keeps_who_decided(sessions: async_sessionmaker[AsyncSession]) -> None:
    posting_id = await new_posting(sessions)
    async with sessions() as session, session.begin():
        await posting.add_suspense(session, [item("S-1", posting_id)])
    async with sessions() as session:
        [queued] = await posting.suspense_items(session)

    async def resolve(status: str, actor: str) -> bool:
        async with sessions() as session, session.begin():
            return await posting.resolve_suspense(
                session, queued.id, status=status, account_id=None, actor=actor, note="why", now=NOW
            )

    results = await asyncio.gather(resolve("refund", "sam"), resolve("refund", "kim"))

    assert sorted(results) == [False, True]
    async with sessions() as session:
        done = await posting.suspense_item(session, queued.id)
        assert await posting.suspense_items(session) == []
    assert done is not None and done.status == "refund" and done.resolved_by in ("sam", "kim")


async def test_known_tells_recorded_sent_and_queued_references_apart(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)
    posting_id = await new_posting(sessions)
    async with sessions() as session, session.begin():
        await repository.record_payment(
            session, account_id="A1", reference="P-REC", amount_cents=100, received_on=date(2026, 1, 31),
            source="debtor", now=NOW,
        )  # fmt: skip
        await posting.record_posted(
            session, [{"account_id": "A1", "reference": "P-SENT", "amount_cents": 100, "file": "day.csv", "line": 2}],
            actor="olga", now=NOW,
        )  # fmt: skip
        await posting.add_suspense(session, [item("P-QUEUED", posting_id)])

    async with sessions() as session:
        known = await posting.known(session, ["P-REC", "P-SENT", "P-QUEUED", "P-NEW"])
        [audited] = [e for e in await repository.audit_trail(session, "A1") if e.action == posting.POSTED_ACTION]

    assert (known.payments, known.sent, known.suspense) == ({"P-REC": "A1"}, {"P-SENT"}, {"P-QUEUED"})
    assert (audited.actor, audited.detail["file"], audited.detail["line"]) == ("olga", "day.csv", 2)


async def test_an_over_payment_is_a_credit_on_the_refunds_list(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_account(sessions, "A1", balance_cents=5_000)
    await add_account(sessions, "A2", balance_cents=5_000)
    async with sessions() as session, session.begin():
        await repository.record_payment(
            session, account_id="A1", reference="OVER", amount_cents=8_000, received_on=date(2026, 1, 31),
            source="debtor", now=NOW,
        )  # fmt: skip

    async with sessions() as session:
        credits = await posting.credit_balances(session)

    assert [(c.account_id, c.credit_cents) for c in credits] == [("A1", 3_000)]
