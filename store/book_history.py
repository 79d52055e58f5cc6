"""Reads for `simulate --from-store`: the open book as it stands and what its history says about its debtors."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.contact import Channel, Outcome
from domain.debtor_model import RIGHT_PARTY_OUTCOMES, HistoryCounts
from domain.messages import HoldKind
from domain.plan_messages import PromiseStatus
from domain.stages import TERMINAL_STAGES
from store.models import AccountRow, ContactAttemptRow, ContactPointRow, HoldRow, PaymentRow, PromiseRow

_CONVERSATIONS = tuple(o.value for o in RIGHT_PARTY_OUTCOMES)


async def open_accounts(session: AsyncSession) -> list[tuple[AccountRow, list[ContactPointRow]]]:
    """Every account not in a terminal stage (loaded and not started included), with its contact points."""
    terminal = [s.value for s in TERMINAL_STAGES]
    accounts = (
        await session.scalars(
            select(AccountRow)
            .where(AccountRow.stage.is_(None) | AccountRow.stage.not_in(terminal))
            .order_by(AccountRow.account_id)
        )
    ).all()
    points: dict[str, list[ContactPointRow]] = defaultdict(list)
    for row in await session.scalars(select(ContactPointRow).order_by(ContactPointRow.id)):
        points[row.account_id].append(row)
    return [(account, points[account.account_id]) for account in accounts]


async def history_counts(session: AsyncSession) -> HistoryCounts:
    """The counts domain.debtor_model.rates_from_history turns into rates."""
    calls = ContactAttemptRow.channel == Channel.CALL.value, ContactAttemptRow.direction == "outbound"
    outcomes = dict(
        (
            await session.execute(
                select(ContactAttemptRow.outcome, func.count())
                .where(*calls, ContactAttemptRow.outcome.is_not(None))
                .group_by(ContactAttemptRow.outcome)
            )
        ).all()
    )
    promises = dict((await session.execute(select(PromiseRow.status, func.count()).group_by(PromiseRow.status))).all())
    holds: dict[str, int] = dict(
        (
            await session.execute(
                select(HoldRow.kind, func.count(func.distinct(HoldRow.account_id))).group_by(HoldRow.kind)
            )
        ).all()
    )
    started = (
        await session.scalar(select(func.count()).select_from(AccountRow).where(AccountRow.stage.is_not(None))) or 0
    )
    kept, broken = promises.get(PromiseStatus.KEPT.value, 0), promises.get(PromiseStatus.BROKEN.value, 0)
    return HistoryCounts(
        calls_with_outcome=sum(outcomes.values()),
        right_party=sum(outcomes.get(o, 0) for o in _CONVERSATIONS),
        wrong_number=outcomes.get(Outcome.WRONG_NUMBER.value, 0),
        promises=sum(promises.values()),
        promises_judged=kept + broken,
        promises_kept=kept,
        accounts=started,
        self_cures=await _self_cures(session),
        disputes=holds.get(HoldKind.DISPUTE.value, 0),
        bankruptcies=holds.get(HoldKind.BANKRUPTCY.value, 0),
        deaths=holds.get(HoldKind.DECEASED.value, 0),
    )


async def _self_cures(session: AsyncSession) -> int:
    """Accounts whose first debtor payment came before any conversation (a right-party call or an inbound one)."""
    first_paid = dict(
        (
            await session.execute(
                select(PaymentRow.account_id, func.min(PaymentRow.recorded_at))
                .where(PaymentRow.source == "debtor")
                .group_by(PaymentRow.account_id)
            )
        ).all()
    )
    talked = ContactAttemptRow.outcome.in_(_CONVERSATIONS) | (ContactAttemptRow.direction == "inbound")
    first_talk: dict[str, datetime] = dict(
        (
            await session.execute(
                select(ContactAttemptRow.account_id, func.min(ContactAttemptRow.at))
                .where(talked)
                .group_by(ContactAttemptRow.account_id)
            )
        ).all()
    )
    return sum(1 for account, paid in first_paid.items() if account not in first_talk or paid < first_talk[account])
