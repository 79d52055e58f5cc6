"""Why an account needs a person: the reasons behind the NeedsAttention search attribute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import lifecycle
from domain.attention import Attention, needs_attention
from domain.messages import AccountSnapshot, AccountState, Hold, HoldKind
from domain.negotiation_messages import ActivePlan, Offer, OfferKind, PendingApproval, PlanProposal, Promise
from domain.stages import Stage

NOW = datetime(2026, 3, 10, 15, tzinfo=UTC)
SETTLEMENT = Offer(OfferKind.SETTLEMENT, 40_000, 10_000)


def account(stage: Stage = Stage.CONTACTING) -> AccountState:
    state = lifecycle.new_account_state(AccountSnapshot("A1", 50_000, "USD", "2026-01-01", "card"), NOW)
    state.stage = stage
    if stage.is_working:
        state.resume_stage = stage
    return state


def pending(state: AccountState) -> AccountState:
    proposal = PlanProposal(settle_cents=40_000)
    state.negotiation.pending = PendingApproval(SETTLEMENT, proposal, "supervisor", NOW, NOW + timedelta(hours=72))
    return state


def hold(state: AccountState, kind: HoldKind, **detail: str) -> AccountState:
    state.holds.append(Hold(f"{kind}-{len(state.holds) + 1}", kind, "reason", NOW, dict(detail)))
    state.stage = Stage.ON_HOLD
    return state


def promised(state: AccountState) -> AccountState:
    state.negotiation.promises.append(Promise(10_000, "2026-03-20", NOW, 0))
    return state


def on_plan(state: AccountState) -> AccountState:
    state.negotiation.plan = ActivePlan(1, SETTLEMENT, "debtor")
    return state


def paid(state: AccountState) -> AccountState:
    state.balance_cents = 0
    return state


def closed(state: AccountState) -> AccountState:
    state.stage = Stage.CLOSED
    return state


CASES = [
    pytest.param(account(), [], id="contacting: nobody needed"),
    pytest.param(account(Stage.NEGOTIATING), ["offer"], id="right-party contact, nothing in play: an offer"),
    pytest.param(pending(account(Stage.NEGOTIATING)), ["approval"], id="a proposal pending approval"),
    pytest.param(promised(account(Stage.NEGOTIATING)), [], id="an open promise is in play"),
    pytest.param(on_plan(account(Stage.ON_PLAN)), [], id="on a plan"),
    pytest.param(hold(account(), HoldKind.DISPUTE), ["verification"], id="a dispute awaits verification"),
    pytest.param(hold(account(), HoldKind.DECEASED), ["probate"], id="deceased, no representative"),
    pytest.param(
        hold(account(), HoldKind.DECEASED, representative="R. Executor"), [], id="deceased, representative known"
    ),
    pytest.param(hold(account(), HoldKind.BANKRUPTCY), [], id="bankruptcy: the court decides"),
    pytest.param(
        hold(hold(pending(account(Stage.NEGOTIATING)), HoldKind.DECEASED), HoldKind.DISPUTE),
        ["approval", "verification", "probate"],
        id="several reasons, in a fixed order",
    ),
    pytest.param(paid(pending(account(Stage.NEGOTIATING))), [], id="paid: closing, nothing needed"),
    pytest.param(closed(hold(account(), HoldKind.DISPUTE)), [], id="closed with a hold left"),
]


@pytest.mark.parametrize(("state", "reasons"), CASES)
def test_the_reasons_a_person_is_needed(state: AccountState, reasons: list[str]) -> None:
    assert needs_attention(state) == reasons


def test_a_hold_placed_while_negotiating_is_not_an_offer_to_make() -> None:
    state = account(Stage.NEGOTIATING)
    state.holds.append(Hold("DSP-1", HoldKind.DISPUTE, "not mine", NOW))  # before the stage changes to on_hold
    assert needs_attention(state) == ["verification"]


STATES = st.builds(
    lambda stage, is_pending, is_promised, kinds, represented, balance: _state(
        stage, is_pending, is_promised, kinds, represented, balance
    ),
    st.sampled_from(list(Stage)),
    st.booleans(),
    st.booleans(),
    st.lists(st.sampled_from(list(HoldKind)), max_size=4),
    st.booleans(),
    st.integers(min_value=-1_000, max_value=100_000),
)


def _state(
    stage: Stage, is_pending: bool, is_promised: bool, kinds: list[HoldKind], represented: bool, balance: int
) -> AccountState:
    state = account(stage)
    state.balance_cents = balance
    if is_pending:
        pending(state)
    if is_promised:
        promised(state)
    for kind in kinds:
        hold(state, kind, **({"representative": "R"} if represented else {}))
    if not kinds:
        state.stage = stage
    return state


@given(STATES)
def test_reasons_are_known_unique_ordered_and_none_once_closing(state: AccountState) -> None:
    reasons = needs_attention(state)
    order = [a.value for a in Attention]
    assert reasons == sorted(set(reasons), key=order.index)
    if state.stage.is_terminal or lifecycle.closing_stage(state) is not None:
        assert reasons == []
    assert ("approval" in reasons) == (state.negotiation.pending is not None and not _closed(state))
    assert ("verification" in reasons) == (any(h.kind == HoldKind.DISPUTE for h in state.holds) and not _closed(state))
    assert ("offer" in reasons) <= (state.stage == Stage.NEGOTIATING and not state.holds)


def _closed(state: AccountState) -> bool:
    return state.stage.is_terminal or lifecycle.closing_stage(state) is not None
