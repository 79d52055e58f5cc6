"""store/book_history.py: the open book and its history counted, as `simulate --from-store` reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.debtor_model import HistoryCounts
from store import book_history
from store.models import AccountRow, ContactAttemptRow, HoldRow, PaymentRow, PromiseRow
from tests.support.accounts import add_account

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def attempt(
    account: str, no: int, channel: str, outcome: str | None, *, hours: int = 0, inbound: bool = False
) -> ContactAttemptRow:
    at = T0 + timedelta(hours=hours)
    return ContactAttemptRow(
        account_id=account, attempt_no=no, idempotency_key=f"{account}-{no}", channel=channel,
        status="received" if inbound else "sent", outcome=outcome, direction="inbound" if inbound else "outbound",
        at=at, local_at=at.isoformat(), detail={}, created_at=at,
    )  # fmt: skip


def payment(account: str, reference: str, *, hours: int, source: str = "debtor") -> PaymentRow:
    at = T0 + timedelta(hours=hours)
    return PaymentRow(
        account_id=account, reference=reference, amount_cents=1_000, received_on=at.date(), source=source,
        balance_after_cents=0, recorded_at=at,
    )  # fmt: skip


def promise(account: str, no: int, status: str) -> PromiseRow:
    return PromiseRow(account_id=account, promise_no=no, amount_cents=1_000, due_date=date(2026, 3, 9),
                      status=status, made_at=T0)  # fmt: skip


def hold(account: str, kind: str) -> HoldRow:
    return HoldRow(account_id=account, reference=f"{kind}-{account}", kind=kind, detail={}, placed_at=T0)


async def test_the_history_is_counted_as_the_rates_are_measured(sessions: async_sessionmaker[AsyncSession]) -> None:
    for account in ("A1", "A2", "A3", "A4", "A5", "A6"):
        await add_account(sessions, account)
    stages = {"A1": "contacting", "A2": "negotiating", "A3": "on_hold", "A4": "contacting", "A6": "paid"}
    async with sessions() as session, session.begin():
        for account, stage in stages.items():
            await session.execute(update(AccountRow).where(AccountRow.account_id == account).values(stage=stage))
        session.add_all([
            attempt("A1", 1, "call", "no_answer"), attempt("A1", 2, "call", "wrong_number"),
            attempt("A1", 3, "call", "right_party_contact", hours=5), attempt("A2", 1, "call", "promise_to_pay"),
            attempt("A2", 2, "call", None), attempt("A2", 3, "email", "no_answer"),
            attempt("A4", 1, "call", None, hours=1, inbound=True),
            payment("A1", "P1", hours=2),  # before its conversation: a self-cure
            payment("A4", "P4", hours=3),  # after the debtor called in: not one
            payment("A6", "P6", hours=1),  # no conversation at all: a self-cure
            payment("A2", "P2", hours=1, source="estate"),  # not the debtor's
            promise("A1", 1, "kept"), promise("A2", 1, "broken"), promise("A2", 2, "open"),
            hold("A3", "bankruptcy"), hold("A3", "dispute"), hold("A2", "dispute"),
        ])  # fmt: skip

    async with sessions() as session:
        counts = await book_history.history_counts(session)
        book = await book_history.open_accounts(session)

    assert counts == HistoryCounts(
        calls_with_outcome=4, right_party=2, wrong_number=1, promises=3, promises_judged=2, promises_kept=1,
        accounts=5, self_cures=2, disputes=2, bankruptcies=1, deaths=0,
    )  # fmt: skip
    assert [account.account_id for account, _ in book] == ["A1", "A2", "A3", "A4", "A5"], "A6 is paid"
    assert {point.kind for point in book[0][1]} == {"phone", "email", "address"}
