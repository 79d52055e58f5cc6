"""Recording payments: once per reference, whatever retries and races bring."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import repository
from store.errors import DuplicateReference, UnknownAccount
from store.views import PaymentOutcome
from tests.support.accounts import add_account

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


async def pay(
    sessions: async_sessionmaker[AsyncSession],
    account_id: str,
    reference: str,
    amount_cents: int,
    now: datetime = NOW,
) -> PaymentOutcome:
    async with sessions() as session, session.begin():
        return await repository.record_payment(
            session, account_id=account_id, reference=reference, amount_cents=amount_cents,
            received_on=date(2026, 1, 31), source="debtor", now=now,
        )  # fmt: skip


async def balance_of(sessions: async_sessionmaker[AsyncSession], account_id: str) -> tuple[int, int]:
    """(balance, number of payments) as the store holds them."""
    async with sessions() as session:
        account = await repository.get_account(session, account_id)
    assert account is not None
    return account.balance_cents, account.payments_count


async def test_a_payment_lowers_the_balance_and_is_audited(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)

    outcome = await pay(sessions, "A1", "P1", 12_345)

    assert (outcome.applied, outcome.balance_cents) == (True, 37_655)
    assert await balance_of(sessions, "A1") == (37_655, 1)
    async with sessions() as session:
        payments = await repository.payments_for(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert [(p.payment_id, p.reference, p.amount_cents, p.balance_after_cents, p.recorded_at) for p in payments] == [
        (outcome.payment_id, "P1", 12_345, 37_655, NOW)
    ]
    assert (trail[-1].action, trail[-1].idempotency_key) == ("payment.recorded", "payment:P1")
    assert trail[-1].detail["balance_after_cents"] == 37_655


async def test_a_payment_reference_recorded_twice_changes_the_balance_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)

    first = await pay(sessions, "A1", "P1", 10_000)
    again = await pay(sessions, "A1", "P1", 10_000, NOW + timedelta(minutes=5))

    assert again == PaymentOutcome(applied=False, balance_cents=40_000, payment_id=first.payment_id)
    assert await balance_of(sessions, "A1") == (40_000, 1)
    async with sessions() as session:
        recorded = await repository.payment_by_reference(session, "P1")
        unknown = await repository.payment_by_reference(session, "P2")
    assert recorded is not None and (recorded.account_id, recorded.recorded_at) == ("A1", NOW)
    assert unknown is None


async def test_the_same_reference_for_another_account_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)
    await add_account(sessions, "A2", balance_cents=50_000)
    await pay(sessions, "A1", "P1", 10_000)

    with pytest.raises(DuplicateReference, match="P1 is already recorded for account A1"):
        await pay(sessions, "A2", "P1", 10_000)

    assert await balance_of(sessions, "A2") == (50_000, 0)


async def test_a_payment_for_an_unknown_account_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(UnknownAccount, match="unknown account NOPE"):
        await pay(sessions, "NOPE", "P1", 10_000)

    await add_account(sessions, "A1")
    assert (await pay(sessions, "A1", "P1", 10_000)).applied  # the refused reference stayed free


async def test_a_payment_larger_than_the_balance_leaves_a_credit(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_account(sessions, "A1", balance_cents=5_000)

    assert (await pay(sessions, "A1", "P1", 7_500)).balance_cents == -2_500


async def test_a_payment_is_undone_when_the_callers_transaction_rolls_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)

    with pytest.raises(RuntimeError, match="caller changed its mind"):
        async with sessions() as session, session.begin():
            await repository.record_payment(
                session, account_id="A1", reference="P1", amount_cents=10_000,
                received_on=date(2026, 1, 31), source="debtor", now=NOW,
            )  # fmt: skip
            raise RuntimeError("caller changed its mind")

    assert await balance_of(sessions, "A1") == (50_000, 0)
    assert (await pay(sessions, "A1", "P1", 10_000)).applied


async def test_concurrent_payments_with_the_same_reference_apply_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)

    outcomes = await asyncio.gather(*(pay(sessions, "A1", "P1", 10_000) for _ in range(2)))

    assert sorted(outcome.applied for outcome in outcomes) == [False, True]
    assert {outcome.balance_cents for outcome in outcomes} == {40_000}
    assert await balance_of(sessions, "A1") == (40_000, 1)


async def test_concurrent_payments_with_different_references_all_apply(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_account(sessions, "A1", balance_cents=50_000)

    await asyncio.gather(*(pay(sessions, "A1", f"P{n}", 1_000) for n in range(5)))

    assert await balance_of(sessions, "A1") == (45_000, 5)


async def test_many_accounts_are_read_at_once_with_their_payment_counts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for account_id in ("A1", "A2"):
        await add_account(sessions, account_id, balance_cents=10_000)
    await pay(sessions, "A1", "P1", 1_000)
    await pay(sessions, "A1", "P2", 1_000)
    async with sessions() as session:
        found = await repository.get_accounts(session, ["A1", "A2", "NOPE"])
    assert {a: (v.balance_cents, v.payments_count) for a, v in found.items()} == {"A1": (8_000, 2), "A2": (10_000, 0)}
