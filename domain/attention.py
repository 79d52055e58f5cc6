"""Why an account needs a person now: the reasons behind the `NeedsAttention` search attribute (pure)."""

from __future__ import annotations

from enum import StrEnum

from domain.lifecycle import closing_stage
from domain.messages import AccountState, HoldKind
from domain.negotiation import in_play
from domain.stages import Stage


class Attention(StrEnum):
    APPROVAL = "approval"
    """A proposal outside policy waits for someone with the authority to approve or decline it."""
    OFFER = "offer"
    """A right-party contact is negotiating with nothing in play: someone should make an offer."""
    VERIFICATION = "verification"
    """An open dispute waits for the debt to be verified (or the dispute upheld)."""
    PROBATE = "probate"
    """The debtor died and no personal representative of the estate is known yet."""


REPRESENTATIVE = "representative"
"""The key the probate event records in a deceased hold's detail."""


def needs_attention(state: AccountState) -> list[str]:
    """The reasons a person is needed on the account, in the order of `Attention`; none once it is closing."""
    if state.stage.is_terminal or closing_stage(state) is not None:
        return []
    reasons: set[Attention] = set()
    if state.negotiation.pending is not None:
        reasons.add(Attention.APPROVAL)
    if state.stage == Stage.NEGOTIATING and not state.holds and not in_play(state.negotiation):
        reasons.add(Attention.OFFER)
    for hold in state.holds:
        if hold.kind == HoldKind.DISPUTE:
            reasons.add(Attention.VERIFICATION)
        elif hold.kind == HoldKind.DECEASED and not hold.detail.get(REPRESENTATIVE):
            reasons.add(Attention.PROBATE)
    return [reason.value for reason in Attention if reason in reasons]
