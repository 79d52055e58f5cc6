"""Activities that place accounts with agencies, recall them and accrue the agencies' commission.

Each is one transaction and idempotent by (account, placement number) or payment reference, so a
retry or a replay never places, recalls or pays commission twice.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.support import bound_logger, decided_at, store_activity
from domain import referral
from domain.referral_messages import (
    AccrueCommissionInput,
    PlaceAccountInput,
    PlacementResult,
    RecallPlacementInput,
)
from store import repository
from store.views import PlacementView


def _result(placement: PlacementView) -> PlacementResult:
    return PlacementResult(placement.placement_no, placement.agency_id, placement.commission_bps, placement.placed_at)


class ReferralActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn
    @store_activity
    async def place_account(self, request: PlaceAccountInput) -> PlacementResult:
        """Choose the agency (rule: segment, balance band, round-robin) and record the placement once."""
        logger = bound_logger(request.account_id, placement_no=request.placement_no)
        async with self._sessions() as session, session.begin():
            known = await repository.placements_for(session, request.account_id)
            for placement in known:
                if placement.placement_no == request.placement_no:
                    logger.info("placement.already_recorded", agency_id=placement.agency_id)
                    return _result(placement)
            choice = referral.choose_placement(
                request.policy, segment=request.segment, balance_cents=request.balance_cents, tried=request.tried,
                placed_counts=await repository.placement_counts(session), internal=request.internal_desk,
            )  # fmt: skip
            placement = await repository.place_account(
                session,
                account_id=request.account_id,
                placement_no=request.placement_no,
                agency_id=choice.agency_id,
                balance_cents=request.balance_cents,
                commission_bps=choice.commission_bps,
                now=decided_at(request.at),
            )
        logger.info(
            "placement.made", agency_id=placement.agency_id, balance_cents=request.balance_cents,
            commission_bps=placement.commission_bps,
        )  # fmt: skip
        return _result(placement)

    @activity.defn
    @store_activity
    async def recall_placement(self, request: RecallPlacementInput) -> None:
        logger = bound_logger(request.account_id, placement_no=request.placement_no)
        async with self._sessions() as session, session.begin():
            placement = await repository.recall_placement(
                session, account_id=request.account_id, placement_no=request.placement_no,
                reason=request.reason, now=decided_at(request.at),
            )  # fmt: skip
        logger.info("placement.recalled", agency_id=placement.agency_id, reason=request.reason)

    @activity.defn
    @store_activity
    async def accrue_commission(self, request: AccrueCommissionInput) -> int:
        """The agency's commission on one reported payment, recorded once; 0 when nothing is placed."""
        logger = bound_logger(request.account_id)
        async with self._sessions() as session, session.begin():
            cents = await repository.accrue_commission(
                session, account_id=request.account_id, payment_reference=request.payment_reference,
                now=decided_at(request.at),
            )  # fmt: skip
        logger.info("commission.accrued", commission_cents=cents)
        return cents

    def all(self) -> list:
        return [self.place_account, self.recall_placement, self.accrue_commission]
