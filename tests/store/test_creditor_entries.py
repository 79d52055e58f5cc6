"""The creditor's charges and credits in the store: once per (account, reference), audited, on both backends."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ops.statements import statement
from store import creditor, report_book, report_listings, repository
from store.creditor import CreditorEntryOutcome
from store.errors import AmountOutOfRange, UnknownAccount
from store.reports import Period
from tests.support.accounts import account_record, add_account

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


async def post(
    sessions: async_sessionmaker[AsyncSession], account_id: str, kind: str, reference: str, cents: int,
    *, served: date | None = None, description: str | None = None, now: datetime = NOW,
) -> CreditorEntryOutcome:  # fmt: skip
    async with sessions() as session, session.begin():
        return await creditor.record_creditor_entry(
            session, account_id=account_id, kind=kind, reference=reference, amount_cents=cents,
            entered_by="olive", now=now, service_date=served, description=description,
        )  # fmt: skip


async def test_a_charge_raises_the_balance_once_per_reference_and_is_audited_without_its_service_line(sessions):
    await add_account(sessions, "A1", balance_cents=10_000)
    first = await post(sessions, "A1", "charge", "V-1", 12_500, served=date(2026, 1, 20), description="office visit")
    again = await post(sessions, "A1", "charge", "V-1", 12_500, served=date(2026, 1, 20), description="office visit")
    assert (first.applied, first.balance_cents) == (True, 22_500)
    assert (again.applied, again.balance_cents) == (False, 22_500)
    async with sessions() as session:
        trail = [e for e in await repository.audit_trail(session, "A1") if e.action.startswith("creditor.")]
        [entry] = await creditor.creditor_entries_for(session, "A1")
    assert [(e.action, e.actor, e.detail["amount_cents"], e.detail["service_date"]) for e in trail] == [
        ("creditor.charged", "olive", 12_500, "2026-01-20"),
    ]  # fmt: skip
    assert "office visit" not in str(trail[0].detail)
    assert (entry.description, entry.balance_after_cents) == ("office visit", 22_500)


async def test_the_same_reference_on_another_account_is_another_entry(sessions):
    await add_account(sessions, "A1", balance_cents=10_000)
    await add_account(sessions, "A2", balance_cents=10_000)
    one = await post(sessions, "A1", "adjustment", "ADJ-1", -1_000)
    two = await post(sessions, "A2", "adjustment", "ADJ-1", -1_000)
    assert (one.applied, one.balance_cents, two.applied, two.balance_cents) == (True, 9_000, True, 9_000)


async def test_a_credit_past_the_balance_leaves_a_credit_balance(sessions):
    await add_account(sessions, "A1", balance_cents=10_000)
    outcome = await post(sessions, "A1", "insurance", "EOB-1", -12_000)
    assert (outcome.applied, outcome.balance_cents) == (True, -2_000)


async def test_concurrent_retries_of_one_credit_apply_it_once(sessions):
    await add_account(sessions, "A1", balance_cents=10_000)
    outcomes = await asyncio.gather(*(post(sessions, "A1", "adjustment", "ADJ-9", -1_000) for _ in range(5)))
    assert sum(o.applied for o in outcomes) == 1
    async with sessions() as session:
        account = await repository.get_account(session, "A1")
    assert account is not None and account.balance_cents == 9_000


async def test_refusals_change_nothing(sessions):
    await add_account(sessions, "A1", balance_cents=10_000)
    with pytest.raises(UnknownAccount):
        await post(sessions, "NOPE", "charge", "V-1", 100, served=date(2026, 1, 1), description="x")
    with pytest.raises(AmountOutOfRange):
        await post(sessions, "A1", "charge", "V-2", 0, served=date(2026, 1, 1), description="x")
    async with sessions() as session:
        assert await creditor.creditor_entries_for(session, "A1") == []


async def test_the_statement_lists_charges_and_credits_and_month_end_counts_them(sessions):
    await add_account(sessions, "A1", balance_cents=10_000)
    await post(sessions, "A1", "charge", "V-1", 12_500, served=date(2026, 1, 20), description="office visit")
    await post(sessions, "A1", "contractual_allowance", "CA-1", -2_500, now=NOW.replace(day=3))
    bill = await statement(sessions, "A1", as_of=date(2026, 2, 28), company_contact="ACME Collections")
    assert [(line.description, line.amount_cents, line.balance_cents) for line in bill.lines[1:]] == [
        ("New charge: office visit, service 2026-01-20 (ref. V-1)", 12_500, 22_500),
        ("Credit from the creditor: contractual allowance (ref. CA-1)", -2_500, 20_000),
    ]  # fmt: skip
    assert bill.balance_cents == 20_000
    february = Period(date(2026, 2, 1), date(2026, 2, 28))
    async with sessions() as session:
        charges = await creditor.charges_in(session, february)
        downs = await report_listings.write_downs(session, period=february)
    assert [(c.reference, c.amount_cents) for c in charges] == [("V-1", 12_500)]
    assert [(d.kind, d.amount_cents, d.note) for d in downs] == [
        ("creditor_credit", 2_500, "contractual allowance (ref. CA-1)"),
    ]  # fmt: skip


async def test_a_medical_statement_names_no_service(sessions):
    async with sessions() as session, session.begin():
        medical = replace(account_record("M1", balance_cents=10_000), medical=True)
        await repository.upsert_accounts(session, [medical], now=NOW)
    await post(sessions, "M1", "charge", "V-1", 12_500, served=date(2026, 1, 20), description="office visit")
    bill = await statement(sessions, "M1", as_of=date(2026, 2, 28), company_contact="ACME Collections")
    assert bill.lines[1].description == "New charge service 2026-01-20 (ref. V-1)"


async def test_the_book_of_a_past_day_takes_later_charges_off_and_puts_later_credits_back(sessions):
    async with sessions() as session, session.begin():
        await repository.upsert_accounts(session, [account_record("A1", balance_cents=10_000)], now=NOW)
    march = NOW.replace(month=3, day=10)
    await post(sessions, "A1", "charge", "V-1", 12_500, served=date(2026, 3, 9), description="office visit", now=march)
    await post(sessions, "A1", "adjustment", "ADJ-1", -2_000, now=march)

    async def book(day: date) -> list[tuple[str, int]]:
        async with sessions() as session:
            accounts = report_book.open_accounts(day, today=date(2026, 12, 7))
            rows = await session.execute(select(accounts.c.account_id, accounts.c.balance_cents))
            return [(account, int(cents)) for account, cents in rows]

    assert await book(date(2026, 2, 28)) == [("A1", 10_000)]
    assert await book(date(2026, 3, 31)) == [("A1", 20_500)]
