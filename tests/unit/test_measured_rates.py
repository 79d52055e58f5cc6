"""domain.debtor_model.rates_from_history: the simulation's debtors at the rates a store's history shows."""

from __future__ import annotations

from domain.debtor_model import BehaviourRates, HistoryCounts, rates_from_history


def test_each_rate_is_its_share_of_what_it_is_measured_over() -> None:
    counts = HistoryCounts(
        calls_with_outcome=200, right_party=50, wrong_number=20, promises=25, promises_judged=40, promises_kept=10,
        accounts=100, self_cures=12, disputes=3, bankruptcies=1, deaths=0,
    )  # fmt: skip
    rates, measured = rates_from_history(counts)
    assert rates == BehaviourRates(
        right_party=0.25, wrong_number=0.1, promise=0.5, promise_kept=0.25,
        self_cure=0.12, dispute=0.03, bankruptcy=0.01, death=0.0,
    )  # fmt: skip
    assert {m.name: m.observations for m in measured} == {
        "right_party": 200, "wrong_number": 200, "promise": 50, "promise_kept": 40,
        "self_cure": 100, "dispute": 100, "bankruptcy": 100, "death": 100,
    }  # fmt: skip
    assert all(m.measured for m in measured)


def test_a_rate_with_under_30_observations_keeps_its_default_and_says_so() -> None:
    counts = HistoryCounts(calls_with_outcome=40, right_party=29, promises=29, promises_judged=5, promises_kept=5)
    rates, measured = rates_from_history(counts)
    defaults = BehaviourRates()
    assert rates.right_party == 0.725, "40 calls are enough"
    assert rates.promise == defaults.promise, "29 conversations are not"
    assert rates.promise_kept == defaults.promise_kept and rates.self_cure == defaults.self_cure
    unmeasured = {m.name: m.observations for m in measured if not m.measured}
    assert unmeasured == {"promise": 29, "promise_kept": 5, "self_cure": 0, "dispute": 0, "bankruptcy": 0, "death": 0}


def test_rates_the_model_draws_together_never_add_up_past_one() -> None:
    counts = HistoryCounts(calls_with_outcome=30, right_party=30, promises=60, accounts=30, self_cures=30, disputes=30)
    rates, _ = rates_from_history(counts)
    assert rates.promise == 1.0, "more promises than conversations (inbound, staff) caps at every conversation"
    assert rates.self_cure + rates.dispute + rates.bankruptcy + rates.death <= 1.0
    assert rates.self_cure == rates.dispute == 0.5


def test_each_rate_gets_a_line_saying_where_it_came_from() -> None:
    from ops.what_if import rate_lines

    _, measured = rates_from_history(HistoryCounts(calls_with_outcome=200, right_party=50, accounts=10))
    lines = rate_lines(measured)
    assert lines[0] == "  right party 25.0%: measured from 200 observations"
    assert "  self cure 8.0%: default: only 10 observations (under 30)" in lines
    assert len(lines) == 8
