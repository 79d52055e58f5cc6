"""The pure hold rules: what each hold needs, the bar date, and time on hold kept off the debtor's clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import holds, lifecycle
from domain.messages import AccountSnapshot, HoldKind, HoldReleaseInput
from domain.negotiation import installment_schedule
from domain.negotiation_messages import ActivePlan, Offer, OfferKind

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 15, tzinfo=UTC)


def test_the_bar_date_is_70_days_after_the_petition() -> None:
    petition = holds.bankruptcy_hold("26-1", chapter="13", filed_on="2026-03-01", court="SDNY")
    account = lifecycle.new_account_state(AccountSnapshot("A1", 10_000, "USD", "2026-01-01", "card"), NOW)
    lifecycle.place_hold(account, petition, NOW)
    assert holds.bar_date(account.holds[0]) == date(2026, 5, 10)


def test_a_release_by_kind_finds_the_latest_hold_of_that_kind() -> None:
    account = lifecycle.new_account_state(AccountSnapshot("A1", 10_000, "USD", "2026-01-01", "card"), NOW)
    for reference in ("D-1", "D-2"):
        lifecycle.place_hold(account, holds.dispute_hold(reference, reason="r"), NOW)
    lifecycle.place_hold(account, holds.bankruptcy_hold("B", chapter="7", filed_on="2026-03-01"), NOW)
    found = holds.hold_to_release(account, HoldReleaseInput(kind=HoldKind.DISPUTE))
    assert found is not None and found.reference == "D-2"
    assert holds.hold_to_release(account, HoldReleaseInput(kind=HoldKind.DECEASED)) is None


@settings(max_examples=300, deadline=None)
@given(hours=st.integers(min_value=0, max_value=24 * 400))
def test_time_on_hold_moves_every_clock_on_and_never_back(hours: int) -> None:
    account = lifecycle.new_account_state(AccountSnapshot("A1", 90_000, "USD", "2026-01-01", "card"), NOW)
    schedule = installment_schedule(90_000, 3, date(2026, 3, 20), 30)
    schedule[0].paid_cents = schedule[0].amount_cents
    account.negotiation.plan = ActivePlan(1, Offer(OfferKind.INSTALLMENTS, 90_000, 0, schedule), "debtor")
    account.contact.last_step_at = NOW - timedelta(days=1)
    released = NOW + timedelta(hours=hours)
    holds.keep_hold_time_off_the_clock(account, NOW, released)
    days = account.contact.held_days
    assert days * 24 >= hours > (days - 1) * 24 or hours == days == 0
    assert account.contact.last_step_at == released - timedelta(days=1)
    assert account.opened_at == released
    dues = [i.due_date for i in account.negotiation.plan.offer.installments]
    assert dues[0] == "2026-03-20", "a paid installment keeps its date"
    assert dues[1:] == [
        (date(2026, 4, 19) + timedelta(days=days)).isoformat(),
        (date(2026, 5, 19) + timedelta(days=days)).isoformat(),
    ]
