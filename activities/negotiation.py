"""Activities that record repayment plans, installments, promises and settlements in the store.

Each is one transaction and idempotent: a retry, or a workflow replaying its history, changes
nothing the first run recorded. Log lines carry ids, amounts and statuses, no personal data.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.support import bound_logger, decided_at, store_activity
from domain.errors import parsed
from domain.negotiation_messages import Installment
from domain.plan_messages import (
    CreatePlanInput,
    EndPlanInput,
    PlanRecord,
    RecordInstallmentsInput,
    RecordPromiseInput,
    ResolvePromiseInput,
    SettleAccountInput,
)
from store import repository
from store.views import PlanView


def _record(plan: PlanView) -> PlanRecord:
    return PlanRecord(
        account_id=plan.account_id,
        plan_no=plan.plan_no,
        kind=plan.kind,
        total_cents=plan.total_cents,
        discount_cents=plan.discount_cents,
        status=plan.status,
        installments=[
            Installment(
                number=i.number,
                due_date=i.due_date.isoformat(),
                amount_cents=i.amount_cents,
                paid_cents=i.paid_cents,
                status=i.status,
            )
            for i in plan.installments
        ],
    )


class NegotiationActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn
    @store_activity
    async def create_plan(self, request: CreatePlanInput) -> PlanRecord:
        """Record the plan (cancelling the account's active one); a repeat returns it as recorded."""
        logger = bound_logger(request.account_id, plan_no=request.plan_no)
        async with self._sessions() as session, session.begin():
            known = await repository.get_plan(session, request.account_id, request.plan_no)
            plan = known or await repository.create_plan(
                session,
                account_id=request.account_id,
                plan_no=request.plan_no,
                offer=request.offer,
                proposed_by=request.proposed_by,
                approved_by=request.approved_by,
                approver_role=request.approver_role,
                now=decided_at(request.at),
            )
        logger.info(
            "plan.already_recorded" if known else "plan.created",
            kind=plan.kind.value,
            total_cents=plan.total_cents,
            discount_cents=plan.discount_cents,
            installments=len(plan.installments),
            status=plan.status.value,
            approver_role=plan.approver_role,
        )
        return _record(plan)

    @activity.defn
    @store_activity
    async def record_installments(self, request: RecordInstallmentsInput) -> None:
        logger = bound_logger(request.account_id, plan_no=request.plan_no)
        async with self._sessions() as session, session.begin():
            changed = await repository.record_installments(
                session,
                account_id=request.account_id,
                plan_no=request.plan_no,
                installments=request.installments,
                now=decided_at(request.at),
            )
        logger.info(
            "plan.installments" if changed else "plan.installments_already_recorded",
            paid_cents=sum(i.paid_cents for i in request.installments),
            statuses=[str(i.status) for i in request.installments],
        )

    @activity.defn
    @store_activity
    async def end_plan(self, request: EndPlanInput) -> None:
        logger = bound_logger(request.account_id, plan_no=request.plan_no)
        async with self._sessions() as session, session.begin():
            ended = await repository.end_plan(
                session,
                account_id=request.account_id,
                plan_no=request.plan_no,
                status=request.status,
                now=decided_at(request.at),
            )
        logger.info("plan.ended" if ended else "plan.already_ended", status=request.status)

    @activity.defn
    @store_activity
    async def settle_account(self, request: SettleAccountInput) -> None:
        logger = bound_logger(request.account_id, plan_no=request.plan_no)
        async with self._sessions() as session, session.begin():
            settled = await repository.settle_account(
                session,
                account_id=request.account_id,
                plan_no=request.plan_no,
                forgiven_cents=request.forgiven_cents,
                now=decided_at(request.at),
            )
        logger.info("account.settled" if settled else "account.already_settled", forgiven_cents=request.forgiven_cents)

    @activity.defn
    @store_activity
    async def record_promise(self, request: RecordPromiseInput) -> None:
        logger = bound_logger(request.account_id, promise_no=request.promise_no)
        due_date = parsed(date.fromisoformat, request.due_date, "a promise's due date")
        async with self._sessions() as session, session.begin():
            recorded = await repository.record_promise(
                session,
                account_id=request.account_id,
                promise_no=request.promise_no,
                amount_cents=request.amount_cents,
                due_date=due_date,
                now=decided_at(request.at),
            )
        logger.info(
            "promise.made" if recorded else "promise.already_recorded",
            amount_cents=request.amount_cents,
            due_date=request.due_date,
        )

    @activity.defn
    @store_activity
    async def resolve_promise(self, request: ResolvePromiseInput) -> None:
        logger = bound_logger(request.account_id, promise_no=request.promise_no)
        async with self._sessions() as session, session.begin():
            resolved = await repository.resolve_promise(
                session,
                account_id=request.account_id,
                promise_no=request.promise_no,
                status=request.status,
                now=decided_at(request.at),
            )
        logger.info("promise.resolved" if resolved else "promise.already_resolved", status=request.status)

    def all(self) -> list:
        return [
            self.create_plan,
            self.record_installments,
            self.end_plan,
            self.settle_account,
            self.record_promise,
            self.resolve_promise,
        ]
