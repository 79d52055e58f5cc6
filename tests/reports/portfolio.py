"""A small fixed portfolio, written through the repository (or as rows) at chosen instants.

The reports are checked against it as of TODAY = 2026-04-10, for the period March 2026, so both the
book at the period start (end of 2026-02-28) and at its end (end of 2026-03-31) are rebuilt from
payments and the audit log. Money in cents; every figure the tests expect is worked out there.

Accounts (creditor / segment, due date, loaded on, balance loaded) and what happens to them (2026):

- A1 Northwind Bank / card, due 02-15, loaded 02-01, 1,000.00: call 03-05 right party; promise of
  200.00 broken 03-15; P1 150.00 on 03-10; plan of 2 x 425.00 (04-05, 05-05) on 03-16; P2 425.00 on 04-05.
- A2 Northwind Bank / card, due 01-10, loaded 02-01, 500.00: text 03-11; promise kept 03-12; P3
  500.00 on 03-12: paid.
- A3 Contoso Health - Cardiology / medical, due 2025-12-01, loaded 02-01, 300.00: legal hold 02-10
  to 03-01; referred 03-02, placed with acme (25%); email 03-03 unconfirmed; P4 120.00 on 03-20 via
  acme (30.00 commission); recalled 03-25; 10.00 adjusted off 03-26.
- A4 Fabrikam Auto / auto, due 2025-08-01, loaded 02-01, 800.00: bankruptcy 03-04, discharged 03-28,
  800.00 written off.
- A5 Northwind Bank / card, due 03-20, loaded 02-01, 400.00: never started; text blocked 03-21; P6
  50.00 on 03-28; dispute hold 03-25 (open).
- A6 Fabrikam Auto / auto, due 02-20, loaded 03-15, 600.00: call 03-16 promise to pay; settlement for
  300.00 on 03-18; P5 300.00 on 03-22; 300.00 forgiven: settled.
- A7 Northwind Bank / card, due 2025-11-15, loaded 01-05, 250.00: P0 260.00 on 02-20: paid (10.00 over).
- A8 Northwind Bank / card, due 04-30, loaded 04-01, 100.00: not yet due.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.intake import AccountRecord
from domain.negotiation_messages import Installment, InstallmentStatus, Offer, OfferKind
from domain.stages import Stage
from store import repository
from store.models import ContactAttemptRow

Sessions = async_sessionmaker[AsyncSession]
TODAY = date(2026, 4, 10)
COMPANY = "Example Collections, PO Box 1000, Springfield, IL 62701, 1-800-555-0100"


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def record(account_id: str, creditor: str, segment: str, due: date, cents: int) -> AccountRecord:
    return AccountRecord(
        account_id=account_id, debtor_name=f"Debtor {account_id}", phone="+12125550100",
        email=f"{account_id.lower()}@example.com", street="1 Main St", city="New York", state="NY",
        postal_code="10001", timezone="America/New_York", balance_cents=cents, due_date=due, creditor=creditor,
        medical=segment == "medical", segment=segment,
    )  # fmt: skip


NORTHWIND, CONTOSO, FABRIKAM = "Northwind Bank", "Contoso Health - Cardiology", "Fabrikam Auto"
ACCOUNTS = {
    "A1": (record("A1", NORTHWIND, "card", date(2026, 2, 15), 100_000), at(2, 1, 10)),
    "A2": (record("A2", NORTHWIND, "card", date(2026, 1, 10), 50_000), at(2, 1, 10)),
    "A3": (record("A3", CONTOSO, "medical", date(2025, 12, 1), 30_000), at(2, 1, 10)),
    "A4": (record("A4", FABRIKAM, "auto", date(2025, 8, 1), 80_000), at(2, 1, 10)),
    "A5": (record("A5", NORTHWIND, "card", date(2026, 3, 20), 40_000), at(2, 1, 10)),
    "A6": (record("A6", FABRIKAM, "auto", date(2026, 2, 20), 60_000), at(3, 15, 9)),
    "A7": (record("A7", NORTHWIND, "card", date(2025, 11, 15), 25_000), at(1, 5, 10)),
    "A8": (record("A8", NORTHWIND, "card", date(2026, 4, 30), 10_000), at(4, 1, 9)),
}


class Builder:
    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.attempts: dict[str, int] = {}
        self.keys = 0

    async def load(self) -> None:
        for account, loaded_at in ACCOUNTS.values():
            async with self.sessions() as session, session.begin():
                await repository.upsert_accounts(session, [account], now=loaded_at)

    async def stage(self, account_id: str, stage: Stage, now: datetime) -> None:
        self.keys += 1
        async with self.sessions() as session, session.begin():
            await repository.set_stage(
                session, account_id=account_id, stage=stage, idempotency_key=f"stage:{self.keys}", detail={}, now=now
            )

    async def pay(
        self, account_id: str, reference: str, cents: int, received: datetime, *, agency: bool = False
    ) -> None:
        async with self.sessions() as session, session.begin():
            await repository.record_payment(
                session, account_id=account_id, reference=reference, amount_cents=cents, received_on=received.date(),
                source="debtor", now=received,
            )  # fmt: skip
            if agency:
                await repository.accrue_commission(
                    session, account_id=account_id, payment_reference=reference, now=received
                )

    async def attempt(
        self, account_id: str, channel: str, now: datetime, *, status: str = "sent", outcome: str | None = None
    ) -> None:
        number = self.attempts[account_id] = self.attempts.get(account_id, 0) + 1
        async with self.sessions() as session, session.begin():
            session.add(
                ContactAttemptRow(
                    account_id=account_id, attempt_no=number, idempotency_key=f"attempt:{account_id}:{number}",
                    channel=channel, status=status, rule="opted_out" if status == "blocked" else None,
                    outcome=outcome, outcome_at=now if outcome else None, template="reminder", at=now,
                    local_at=now.isoformat(), detail={}, created_at=now,
                )
            )  # fmt: skip

    async def promise(self, account_id: str, number: int, cents: int, due: date, made: datetime) -> None:
        async with self.sessions() as session, session.begin():
            await repository.record_promise(
                session, account_id=account_id, promise_no=number, amount_cents=cents, due_date=due, now=made
            )

    async def resolve(self, account_id: str, number: int, status: str, now: datetime) -> None:
        async with self.sessions() as session, session.begin():
            await repository.resolve_promise(session, account_id=account_id, promise_no=number, status=status, now=now)

    async def hold(self, account_id: str, reference: str, kind: str, placed: datetime) -> None:
        async with self.sessions() as session, session.begin():
            await repository.open_hold(
                session, account_id=account_id, reference=reference, kind=kind, detail={}, now=placed
            )

    async def release(self, account_id: str, reference: str, outcome: str, now: datetime) -> None:
        async with self.sessions() as session, session.begin():
            await repository.close_hold(session, account_id=account_id, reference=reference, outcome=outcome, now=now)

    async def plan(self, account_id: str, offer: Offer, now: datetime) -> None:
        async with self.sessions() as session, session.begin():
            await repository.create_plan(
                session, account_id=account_id, plan_no=1, offer=offer, proposed_by="debtor", approved_by=None,
                approver_role=None, now=now,
            )  # fmt: skip


async def build(sessions: Sessions) -> None:
    """The portfolio of the module docstring."""
    b = Builder(sessions)
    await b.load()
    for account_id in ("A1", "A2", "A3", "A4"):
        await b.stage(account_id, Stage.CONTACTING, at(2, 2, 9))
        await b.attempt(account_id, "letter", at(2, 2, 9))

    # A1: right party 03-05, a promise broken, P1, a plan, P2 (after the period) paying installment 1.
    await b.attempt("A1", "call", at(3, 5, 15), outcome="right_party_contact")
    await b.stage("A1", Stage.NEGOTIATING, at(3, 5, 15))
    await b.promise("A1", 1, 20_000, date(2026, 3, 8), at(3, 5, 15))
    await b.pay("A1", "P1", 15_000, at(3, 10))
    await b.resolve("A1", 1, "broken", at(3, 15))
    two_installments = [Installment(1, "2026-04-05", 42_500), Installment(2, "2026-05-05", 42_500)]
    await b.plan("A1", Offer(OfferKind.INSTALLMENTS, 85_000, 0, two_installments), at(3, 16))
    await b.stage("A1", Stage.ON_PLAN, at(3, 16))
    await b.attempt("A1", "email", at(3, 20))  # after P1: P1 stays with the call
    await b.pay("A1", "P2", 42_500, at(4, 5))
    async with sessions() as session, session.begin():
        paid = Installment(1, "2026-04-05", 42_500, 42_500, InstallmentStatus.PAID)
        await repository.record_installments(session, account_id="A1", plan_no=1, installments=[paid], now=at(4, 5))

    # A2: sms the day before the promised payment; kept; paid.
    await b.attempt("A2", "email", at(2, 5))
    await b.attempt("A2", "sms", at(3, 11))
    await b.stage("A2", Stage.NEGOTIATING, at(3, 3))
    await b.promise("A2", 1, 50_000, date(2026, 3, 12), at(3, 3))
    await b.pay("A2", "P3", 50_000, at(3, 12, 15))
    await b.resolve("A2", 1, "kept", at(3, 12, 16))
    await b.stage("A2", Stage.PAID, at(3, 12, 16))

    # A3: a legal hold across the period start, a promise broken before it, placed, paid via the agency, recalled.
    await b.hold("A3", "LEGAL-3", "legal", at(2, 10))
    await b.stage("A3", Stage.ON_HOLD, at(2, 10))
    await b.promise("A3", 1, 5_000, date(2026, 2, 20), at(2, 12))
    await b.resolve("A3", 1, "broken", at(2, 27))
    await b.release("A3", "LEGAL-3", "resume", at(3, 1, 8))
    await b.stage("A3", Stage.CONTACTING, at(3, 1, 8))
    await b.stage("A3", Stage.REFERRED, at(3, 2))
    async with sessions() as session, session.begin():
        await repository.place_account(
            session, account_id="A3", placement_no=1, agency_id="acme", balance_cents=30_000, commission_bps=2_500,
            now=at(3, 2),
        )  # fmt: skip
    await b.attempt("A3", "email", at(3, 3), status="unconfirmed")
    await b.pay("A3", "P4", 12_000, at(3, 20), agency=True)
    async with sessions() as session, session.begin():
        await repository.recall_placement(session, account_id="A3", placement_no=1, reason="no contact", now=at(3, 25))
        await repository.adjust_balance(
            session,
            account_id="A3",
            reference="ADJ-1",
            amount_cents=1_000,
            reason="disputed fee removed",
            now=at(3, 26),
        )

    # A4: a refused call in February, a call in March; bankruptcy, discharged, written off.
    await b.attempt("A4", "call", at(2, 10), outcome="refused")
    await b.attempt("A4", "call", at(3, 2), outcome="no_answer")
    await b.hold("A4", "BK-4", "bankruptcy", at(3, 4))
    await b.stage("A4", Stage.ON_HOLD, at(3, 4))
    await b.release("A4", "BK-4", "discharge", at(3, 28))
    async with sessions() as session, session.begin():
        await repository.write_off(session, account_id="A4", reason="bankruptcy discharged", now=at(3, 28))
    await b.stage("A4", Stage.DISCHARGED, at(3, 28, 12, 1))

    # A5: never started; a blocked text; pays 50.00 with no contact; a dispute.
    await b.attempt("A5", "sms", at(3, 21), status="blocked")
    await b.pay("A5", "P6", 5_000, at(3, 28))
    await b.hold("A5", "DSP-5", "dispute", at(3, 25))

    # A6: loaded in the period; a promise to pay on the phone; settles for half.
    await b.stage("A6", Stage.CONTACTING, at(3, 15, 9))
    await b.attempt("A6", "call", at(3, 16), outcome="promise_to_pay")
    await b.stage("A6", Stage.NEGOTIATING, at(3, 16))
    await b.plan("A6", Offer(OfferKind.SETTLEMENT, 30_000, 30_000, [Installment(1, "2026-03-22", 30_000)]), at(3, 18))
    await b.pay("A6", "P5", 30_000, at(3, 22, 10))
    async with sessions() as session, session.begin():
        await repository.settle_account(
            session, account_id="A6", plan_no=1, forgiven_cents=30_000, now=at(3, 22, 10, 5)
        )
    await b.stage("A6", Stage.SETTLED, at(3, 22, 10, 5))

    # A7: paid (and over) before the period.
    await b.stage("A7", Stage.CONTACTING, at(1, 6))
    await b.pay("A7", "P0", 26_000, at(2, 20))
    await b.stage("A7", Stage.PAID, at(2, 20))
