"""Activities of holds: the hold record, claims filed, write-offs, adjustments, the estate's representative.

Each is one transaction, idempotent by the hold reference (or the account, for the one write-off).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.support import bound_logger, decided_at, store_activity
from domain.errors import parsed
from domain.hold_messages import (
    AdjustBalanceInput,
    FileClaimInput,
    HoldRecordInput,
    RepresentativeInput,
    WriteOffInput,
)
from service import metrics
from store import repository
from store.contacts import REPRESENTATIVE


class HoldActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn
    @store_activity
    async def record_hold(self, request: HoldRecordInput) -> None:
        """The hold in the store and the audit log: placed, updated (probate), released."""
        logger = bound_logger(request.account_id, reference=request.reference)
        now = decided_at(request.at)
        opened = False
        async with self._sessions() as session, session.begin():
            if request.event == "placed":
                opened = (await repository.open_hold_once(
                    session, account_id=request.account_id, reference=request.reference, kind=request.kind,
                    detail=request.detail, now=now,
                )).created  # fmt: skip
            elif request.event == "updated":
                await repository.update_hold(
                    session, account_id=request.account_id, reference=request.reference, detail=request.detail,
                    now=now,
                )  # fmt: skip
            else:
                await repository.close_hold(
                    session, account_id=request.account_id, reference=request.reference,
                    outcome=request.outcome or "resume", now=now,
                )  # fmt: skip
        if opened:  # committed, and new
            metrics.hold_opened(request.kind)
        logger.info(f"hold.{request.event}", kind=request.kind, outcome=request.outcome)

    @activity.defn
    @store_activity
    async def file_claim(self, request: FileClaimInput) -> None:
        """A proof of claim in bankruptcy, or a claim against a deceased debtor's estate: filed once."""
        deadline = parsed(date.fromisoformat, request.deadline, "a claim's deadline")
        async with self._sessions() as session, session.begin():
            claim = await repository.file_claim(
                session, account_id=request.account_id, hold_reference=request.hold_reference, kind=request.kind,
                amount_cents=request.amount_cents, deadline=deadline, now=decided_at(request.at),
            )  # fmt: skip
        bound_logger(request.account_id, reference=request.hold_reference).info(
            "claim.filed", kind=claim.kind, amount_cents=claim.amount_cents, deadline=request.deadline
        )

    @activity.defn
    @store_activity
    async def write_off(self, request: WriteOffInput) -> int:
        """Write the remaining balance off, once; the amount written off now (0 on a repeat)."""
        async with self._sessions() as session, session.begin():
            cents = await repository.write_off(
                session, account_id=request.account_id, reason=request.reason, now=decided_at(request.at)
            )
        bound_logger(request.account_id).info("account.written_off", amount_cents=cents, reason=request.reason)
        return cents

    @activity.defn
    @store_activity
    async def adjust_balance(self, request: AdjustBalanceInput) -> int:
        """Take an amount off the balance once per reference (a dispute upheld); the balance after."""
        async with self._sessions() as session, session.begin():
            balance = await repository.adjust_balance(
                session, account_id=request.account_id, reference=request.reference,
                amount_cents=request.amount_cents, reason=request.reason, now=decided_at(request.at),
            )  # fmt: skip
        bound_logger(request.account_id).info("balance.adjusted", reference=request.reference, balance_cents=balance)
        return balance

    @activity.defn
    @store_activity
    async def add_representative(self, request: RepresentativeInput) -> None:
        """The estate's personal representative: their contact points, the only ones contacted from now on."""
        async with self._sessions() as session, session.begin():
            ids = await repository.add_attorney(
                session, account_id=request.account_id, name=request.name, phone=request.phone,
                email=request.email, now=decided_at(request.at), actor="workflow", role=REPRESENTATIVE,
            )  # fmt: skip
        bound_logger(request.account_id, reference=request.hold_reference).info("representative.added", points=len(ids))

    def all(self) -> list:
        return [self.record_hold, self.file_claim, self.write_off, self.adjust_balance, self.add_representative]
