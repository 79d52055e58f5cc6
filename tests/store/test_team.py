"""The team's day (ops/team.py over store/team.py): what each person did on a UTC day, and the gate's blocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.contact import Channel, Rule
from ops.context import OpsContext
from ops.team import Blocked, CollectorDay, team_day
from store import promises, repository
from store.attempts import record_blocked_attempt
from tests.support.accounts import add_account

DAY = date(2026, 2, 1)
NOON = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
DUE = date(2026, 2, 10)


async def request(session: AsyncSession, account_id: str, actor: str, action: str, at: datetime, **detail: Any) -> None:
    """A `request.<action>` entry as ops.requests.perform_write writes it."""
    await repository.append_audit(
        session, account_id=account_id, action=f"request.{action}", actor=actor, now=at,
        detail={"role": "operations" if actor == "oscar" else "supervisor", **detail, "result": "done"},
    )  # fmt: skip


async def promise(session: AsyncSession, account_id: str, number: int, made_at: datetime, status: str | None) -> None:
    await promises.record_promise(
        session, account_id=account_id, promise_no=number, amount_cents=5_000, due_date=DUE, now=made_at
    )
    if status is not None:
        await promises.resolve_promise(
            session, account_id=account_id, promise_no=number, status=status, now=made_at + timedelta(hours=1)
        )


async def test_a_day_counts_each_persons_accounts_promises_and_payments_and_the_gates_blocks_by_rule(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for account_id in ("A1", "A2", "A3"):
        await add_account(sessions, account_id)
    yesterday = NOON - timedelta(days=1)
    async with sessions() as session, session.begin():
        # oscar: promises on A1 and A2 today; A1 has an older promise of the same terms (yesterday's, kept)
        await promise(session, "A1", 1, yesterday, "kept")
        await request(session, "A1", "oscar", "promise", NOON, amount_cents=5_000, due_date=DUE.isoformat())
        await promise(session, "A1", 2, NOON + timedelta(seconds=1), None)
        await promise(session, "A2", 1, NOON - timedelta(seconds=2), "kept")  # the workflow recorded it first
        await request(session, "A2", "oscar", "promise", NOON, amount_cents=5_000, due_date=DUE.isoformat())
        await request(session, "A2", "oscar", "promise", NOON, amount_cents=5_000, due_date="2026-02-10", replay=True)
        await request(session, "A1", "oscar", "payment", NOON, amount_cents=1_000, reference="P-1")
        await request(session, "A1", "oscar", "payment", NOON, amount_cents=1_000, reference="P-1", replay=True)
        await request(session, "A1", "oscar", "payment", NOON - timedelta(hours=12, seconds=1), amount_cents=7)
        # olga: a payment and a contact outcome on A3; vera only looked (a view is not a request)
        await request(session, "A3", "olga", "payment", NOON, amount_cents=2_500, reference="P-2")
        await request(session, "A3", "olga", "contact_outcome", NOON + timedelta(hours=11, minutes=59))
        await request(session, "A2", "olga", "payment", NOON + timedelta(hours=12), amount_cents=9)  # tomorrow
        await repository.append_audit(
            session, account_id="A1", action="view.account_page", actor="vera", now=NOON, detail={"role": "viewer"}
        )
        blocks = [
            ("A1", 1, Channel.CALL, Rule.CALLING_HOURS, NOON), ("A2", 1, Channel.CALL, Rule.CALLING_HOURS, NOON),
            ("A3", 1, Channel.SMS, Rule.OPTED_OUT, NOON), ("A3", 2, Channel.CALL, Rule.CALL_FREQUENCY, yesterday),
        ]  # fmt: skip
        for account_id, number, channel, rule, at in blocks:
            await record_blocked_attempt(
                session, account_id=account_id, attempt_no=number, channel=channel, contact_point_id=None,
                rule=rule, at=at, now=at,
            )  # fmt: skip

    ctx = cast(OpsContext, OpsContextLike(sessions))
    found = await team_day(ctx, DAY)

    assert found.collectors == [
        CollectorDay("olga", "supervisor", accounts_worked=1, promises_taken=0, promises_kept=0,
                     payments_taken=1, payments_cents=2_500),
        CollectorDay("oscar", "operations", accounts_worked=2, promises_taken=2, promises_kept=1,
                     payments_taken=1, payments_cents=1_000),
    ]  # fmt: skip
    assert found.blocked == [Blocked("calling_hours", "call", 2), Blocked("opted_out", "sms", 1)]
    assert (await team_day(ctx, date(2026, 1, 1))).collectors == []


class OpsContextLike:
    """What team_day reads of an OpsContext: its store."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
