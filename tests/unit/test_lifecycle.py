from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain import lifecycle
from domain.messages import AccountSnapshot, HoldInput, HoldKind, HoldOutcome, HoldReleaseInput
from domain.stages import Stage

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def state(balance_cents: int = 10_000):
    return lifecycle.new_account_state(AccountSnapshot("A1", balance_cents, "USD", "2026-01-15", "card"), NOW)


def test_days_past_due_counts_calendar_days_after_the_due_date_and_never_goes_negative() -> None:
    assert lifecycle.days_past_due("2026-01-15", NOW) == 45
    assert lifecycle.days_past_due("2026-04-01", NOW) == 0


def test_an_account_closes_as_paid_when_the_balance_reaches_zero_or_below() -> None:
    account = state(5_000)
    assert lifecycle.closing_stage(account) is None
    lifecycle.apply_recorded_payment(account, amount_cents=6_000, applied=True, balance_cents=-1_000)
    assert lifecycle.closing_stage(account) == Stage.PAID and account.collected_cents == 6_000


def test_a_payment_the_store_had_already_recorded_is_not_counted_again() -> None:
    account = state()
    lifecycle.apply_recorded_payment(account, amount_cents=1_000, applied=False, balance_cents=9_000)
    assert (account.payments_count, account.collected_cents, account.balance_cents) == (0, 0, 9_000)


@given(st.lists(st.text(min_size=1, max_size=8), max_size=600))
def test_recent_references_are_bounded_and_keep_the_newest(references: list[str]) -> None:
    account = state()
    for reference in references:
        lifecycle.remember_payment_reference(account, reference)
    assert len(account.recent_payment_references) <= lifecycle.RECENT_REFERENCES_KEPT
    if references:
        assert lifecycle.is_duplicate_payment(account, references[-1])


def test_holds_stack_by_reference_and_the_last_release_decides_the_outcome() -> None:
    account = state()
    assert lifecycle.place_hold(account, HoldInput("BK", HoldKind.BANKRUPTCY, "ch 7"), NOW)
    assert not lifecycle.place_hold(account, HoldInput("BK", HoldKind.BANKRUPTCY, "ch 7"), NOW)
    assert lifecycle.place_hold(account, HoldInput("D", HoldKind.DISPUTE, "amount"), NOW)
    assert lifecycle.account_status(account, NOW).hold == "dispute: amount"
    assert lifecycle.release_hold(account, HoldReleaseInput("D")) is not None
    assert lifecycle.closing_stage(account) is None and len(account.holds) == 1
    assert lifecycle.release_hold(account, HoldReleaseInput("nope")) is None
    lifecycle.release_hold(account, HoldReleaseInput("BK", HoldOutcome.DISCHARGE))
    assert lifecycle.closing_stage(account) == Stage.DISCHARGED


def test_continue_as_new_when_the_server_suggests_it_or_history_reaches_the_limit() -> None:
    assert lifecycle.should_continue_as_new(history_length=10, suggested=True, max_history_events=100)
    assert lifecycle.should_continue_as_new(history_length=100, suggested=False, max_history_events=100)
    assert not lifecycle.should_continue_as_new(history_length=99, suggested=False, max_history_events=100)


def test_terminal_and_working_stages_do_not_overlap() -> None:
    assert not any(s.is_terminal and s.is_working for s in Stage)
    assert not Stage.ON_HOLD.is_terminal and not Stage.ON_HOLD.is_working
