"""The queue's priority score: each factor weighed as configured, and more of anything never ranks lower."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.queue_priority import PROMISE_DUE, REMINDER, Weights, parse_weights, score
from service.config import ConfigError, load_settings


@dataclass
class Item:
    balance_cents: int | None = 0
    days_past_due: int | None = 0
    reasons: Sequence[str] = field(default_factory=list)
    approval_answered: bool = False


def test_each_factor_adds_its_weight() -> None:
    weights = Weights(balance=2, days_past_due=3, promise_due=100, reminder=50, approval_answered=70)
    assert score(Item(balance_cents=123_456), weights) == 2 * 12  # whole hundreds of dollars
    assert score(Item(days_past_due=40), weights) == 120
    assert score(Item(reasons=[PROMISE_DUE]), weights) == 100
    assert score(Item(reasons=["offer", REMINDER]), weights) == 50
    assert score(Item(approval_answered=True), weights) == 70
    assert score(Item(balance_cents=None, days_past_due=None), weights) == 0


def test_a_promise_due_today_outranks_a_larger_balance_by_default() -> None:
    assert score(Item(balance_cents=30_000, days_past_due=20, reasons=[PROMISE_DUE])) > score(
        Item(balance_cents=60_000, days_past_due=20)
    )


weights_st = st.builds(Weights, *(st.integers(0, 1000) for _ in range(5)))
items_st = st.builds(
    Item,
    balance_cents=st.integers(0, 10**11),
    days_past_due=st.integers(0, 5000),
    reasons=st.lists(st.sampled_from(["offer", "approval", REMINDER, PROMISE_DUE])),
    approval_answered=st.booleans(),
)


@given(items_st, st.integers(0, 10**11), weights_st)
def test_more_balance_never_ranks_lower(item: Item, more: int, weights: Weights) -> None:
    richer = Item(item.balance_cents + more, item.days_past_due, item.reasons, item.approval_answered)  # type: ignore[operator]
    assert score(richer, weights) >= score(item, weights)


@given(items_st, st.integers(0, 5000), weights_st)
def test_more_days_past_due_or_another_reason_never_ranks_lower(item: Item, days: int, weights: Weights) -> None:
    older = Item(item.balance_cents, item.days_past_due + days, item.reasons, item.approval_answered)  # type: ignore[operator]
    more = Item(item.balance_cents, item.days_past_due, [*item.reasons, PROMISE_DUE, REMINDER], True)
    assert score(older, weights) >= score(item, weights) and score(more, weights) >= score(item, weights)


def test_the_weights_parse_from_the_setting_and_keep_defaults_for_the_rest() -> None:
    assert parse_weights("") == Weights()
    assert parse_weights(" balance = 5 , reminder=0 ") == Weights(balance=5, reminder=0)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("balance", "expected name=points, got 'balance'"),
        ("size=3", "unknown weight 'size'; one of: balance, days_past_due"),
        ("balance=-1", "weight 'balance' must be a whole number from 0 to 1000000, got '-1'"),
        ("balance=1.5", "must be a whole number"),
        ("balance=1,balance=2", "weight 'balance' given twice"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(text: str, says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(queue_priority=text)
    message = str(refused.value)
    assert message.startswith("invalid QUEUE_PRIORITY: ") and says in message and "\n" not in message


def test_the_settings_give_the_weights_and_the_claim_length() -> None:
    settings = load_settings(queue_priority="days_past_due=3", queue_claim_minutes=5)
    assert settings.priority_weights == Weights(days_past_due=3)
    assert settings.queue_claim_minutes == 5
    assert load_settings().queue_claim_minutes == 20
    with pytest.raises(ConfigError, match="^invalid QUEUE_CLAIM_MINUTES: "):
        load_settings(queue_claim_minutes=0)
