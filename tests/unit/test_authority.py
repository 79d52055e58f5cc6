"""The rule of authority over money: which releases write a balance down, who applies and who approves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.authority import WRITE_DOWNS, approval_problem, may_approve, needs_approval, write_down
from domain.messages import HoldOutcome

ROLES = st.sampled_from(["viewer", "operations", "supervisor"])
CENTS = st.integers(min_value=0, max_value=10**12)


def test_an_upheld_dispute_writes_down_the_disputed_amount_at_most_the_balance() -> None:
    assert write_down(HoldOutcome.UPHELD, balance_cents=10_700, disputed_cents=None) is not None
    whole = write_down(HoldOutcome.UPHELD, balance_cents=10_700, disputed_cents=None)
    assert whole is not None and (whole.cents, whole.what) == (10_700, "dispute upheld")
    part = write_down(HoldOutcome.UPHELD, balance_cents=10_700, disputed_cents=2_500)
    assert part is not None and part.cents == 2_500
    more = write_down(HoldOutcome.UPHELD, balance_cents=1_000, disputed_cents=2_500)
    assert more is not None and more.cents == 1_000


def test_write_off_discharge_and_close_take_the_whole_balance_resume_and_verified_nothing() -> None:
    for outcome in (HoldOutcome.WRITE_OFF, HoldOutcome.DISCHARGE, HoldOutcome.CLOSE):
        found = write_down(outcome, balance_cents=5_000, disputed_cents=None)
        assert found is not None and found.cents == 5_000 and found.what == WRITE_DOWNS[outcome]
    for outcome in (HoldOutcome.RESUME, HoldOutcome.VERIFIED):
        assert write_down(outcome, balance_cents=5_000, disputed_cents=None) is None
    assert write_down(HoldOutcome.CLOSE, balance_cents=0, disputed_cents=None) is None


def test_operations_waits_above_the_limit_a_supervisor_never() -> None:
    assert needs_approval("operations", 10_700, 0)
    assert not needs_approval("operations", 10_700, 10_700)
    assert needs_approval("operations", 10_701, 10_700)
    assert not needs_approval("supervisor", 10**12, 0)


@given(role=ROLES, cents=CENTS, limit=CENTS)
def test_only_a_non_supervisor_above_the_limit_waits(role: str, cents: int, limit: int) -> None:
    assert needs_approval(role, cents, limit) == (role != "supervisor" and cents > limit)


def test_the_one_who_asked_never_approves_and_only_a_supervisor_does() -> None:
    assert may_approve(requested_by="oscar", approver="alice", approver_role="supervisor")
    assert approval_problem(requested_by="alice", approver="Alice ", approver_role="supervisor") == (
        "Alice asked for this write-down: another supervisor decides it"
    )
    assert not may_approve(requested_by="oscar", approver="oscar", approver_role="supervisor")
    refused = approval_problem(requested_by="alice", approver="oscar", approver_role="operations")
    assert refused == "only a supervisor decides a write-down; oscar is operations"


@given(requester=st.text(min_size=1, max_size=8), approver=st.text(min_size=1, max_size=8), role=ROLES)
def test_approval_needs_a_supervisor_other_than_the_requester(requester: str, approver: str, role: str) -> None:
    same = requester.strip().casefold() == approver.strip().casefold()
    assert may_approve(requested_by=requester, approver=approver, approver_role=role) == (
        role == "supervisor" and not same
    )
