"""What waits for a supervisor: proposals beyond a collector's authority and write-downs beyond the requester's,
each with its account's summary (as the caller's role may see it) and the limit it is over, in words.

The desk's approval queue reads this; deciding goes through ops.write_downs (`decide_settlement`, `decide`),
which refuse the one who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.money import format_cents
from domain.negotiation import NegotiationPolicy, format_bps, may_approve
from domain.negotiation_messages import Installment, Offer, OfferKind
from ops import disclosed, negotiation, views, write_downs
from ops.context import OpsContext
from ops.queue import work_queue
from store import repository
from store.write_downs import WriteDownView


@dataclass(frozen=True)
class AccountLine:
    """The account's summary beside a decision: who owes whom how much (names as the role may see them)."""

    account_id: str
    debtor_name: str
    creditor: str
    balance_cents: int | None
    stage: str | None


@dataclass(frozen=True)
class WaitingProposal:
    account: AccountLine
    what: str
    """'settlement of $160.00 due 2026-12-09: 20% ($40.00) off'."""
    over: str
    """The limit it is over, in words."""
    required_role: str
    party: str
    """Who stands behind the offer: the debtor or a representative."""
    proposed_by: str | None
    """Who entered it (the `request.propose` audit entry), None when the engine does not know."""
    proposed_at: datetime
    expires_at: datetime
    beyond_caller: str | None
    """Why the caller's role may not approve it (its discount is beyond that role's limit), or None."""


@dataclass(frozen=True)
class WaitingWriteDown:
    number: int
    account: AccountLine
    what: str
    """'$100.00 (dispute upheld)'."""
    over: str
    requested_by: str
    requested_role: str
    requested_at: datetime


@dataclass(frozen=True)
class Waiting:
    proposals: list[WaitingProposal]
    write_downs: list[WaitingWriteDown]


def offer_words(offer: Offer) -> str:
    """What a proposal offers, for the person deciding it."""
    first = offer.installments[0].due_date if offer.installments else None
    if offer.kind == OfferKind.SETTLEMENT or len(offer.installments) <= 1:
        said = f"{str(offer.kind).replace('_', ' ')} of {format_cents(offer.total_cents)}"
        said += f" due {first}" if first else ""
    else:
        said = f"{len(offer.installments)} installments from {first}, {format_cents(offer.total_cents)} in all"
    if offer.discount_cents:
        said += f": {format_bps(offer.discount_basis_points)} ({format_cents(offer.discount_cents)}) off"
    return said


def proposal_over(offer: Offer, policy: NegotiationPolicy, required_role: str) -> str:
    """The policy limits a proposal's discount is over, and who may approve it, in words."""
    bps = offer.discount_basis_points
    over = [f"the {format_bps(policy.in_policy_discount_bps)} allowed without approval"]
    over += [f"the {role} limit of {format_bps(limit)}" for role, limit in policy.role_authority_bps if bps > limit]
    said = f"{format_bps(bps)} off is over " + ", ".join(over[:-1]) + (" and " if len(over) > 1 else "") + over[-1]
    limits = dict(policy.role_authority_bps)
    if required_role in limits:
        said += f"; a {required_role} may approve up to {format_bps(limits[required_role])}"
    return said


def write_down_over(found: WriteDownView, limit_cents: int) -> str:
    """The write-down limit the request is over (settings' WRITE_DOWN_LIMIT for anyone but a supervisor)."""
    if limit_cents == 0:
        return f"every write-down by {found.requested_role} waits for a supervisor (limit {format_cents(0)})"
    return f"over the {found.requested_role} limit of {format_cents(limit_cents)}"


def as_offer(recorded: dict[str, Any]) -> Offer:
    """The offer as the workflow's status returned it (a dict) back into the domain's `Offer`."""
    installments = [Installment(i["number"], i["due_date"], i["amount_cents"]) for i in recorded["installments"]]
    return Offer(OfferKind(recorded["kind"]), recorded["total_cents"], recorded["discount_cents"], installments)


async def waiting(ctx: OpsContext, *, actor: str, role: str, view: str = "approvals_page") -> Waiting:
    """Every proposal awaiting approval (running accounts whose NeedsAttention says `approval`) and every
    pending write-down, oldest first; the accounts shown are audited as viewed by `actor`."""
    items = await work_queue(ctx, reasons=["approval"], today=datetime.now(UTC).date())
    pending = await write_downs.list_write_downs(ctx)
    ids = sorted({item.account_id for item in items} | {found.account_id for found in pending})
    shown = await disclosed.accounts_for(ctx, ids, actor=actor, role=role, view=view)
    async with ctx.sessions() as session:
        accounts = await repository.get_accounts(session, ids)
    proposals = []
    for item in items:
        account = accounts.get(item.account_id)
        status = await views.account_status(ctx, item.account_id)
        recorded = status.get("pending_proposal")
        if account is None or not recorded:  # decided or expired since the list was read
            continue
        offer, policy = as_offer(recorded["offer"]), await negotiation.account_policy(ctx, account)
        proposer = await write_downs.proposed_by(ctx, item.account_id)
        line = _line(shown.get(item.account_id), item.account_id, status.get("balance_cents"), status.get("stage"))
        proposals.append(WaitingProposal(
            account=line,
            what=offer_words(offer), over=proposal_over(offer, policy, recorded["required_role"]),
            required_role=recorded["required_role"], party=recorded["proposal"].get("proposed_by") or "debtor",
            proposed_by=proposer.actor if proposer else None, proposed_at=_moment(recorded["requested_at"]),
            expires_at=_moment(recorded["expires_at"]), beyond_caller=_beyond(role, offer, policy),
        ))  # fmt: skip
    limit = ctx.settings.write_down_limit_cents
    downs = [
        WaitingWriteDown(
            number=found.number, what=write_downs.what(found), over=write_down_over(found, limit),
            account=_line(shown.get(found.account_id), found.account_id,
                          *_money_and_stage(accounts.get(found.account_id))),
            requested_by=found.requested_by, requested_role=found.requested_role, requested_at=found.requested_at,
        )
        for found in pending
    ]  # fmt: skip
    return Waiting(sorted(proposals, key=lambda p: p.proposed_at), downs)


def _beyond(role: str, offer: Offer, policy: NegotiationPolicy) -> str | None:
    """Why `role` may not approve the offer, when it is an approving role whose limit is too low."""
    if role not in dict(policy.role_authority_bps):
        return None
    return may_approve(role, offer, policy)


def _line(shown: dict[str, Any] | None, account_id: str, balance: int | None, stage: str | None) -> AccountLine:
    name, creditor = (str((shown or {}).get(key) or "") for key in ("debtor_name", "creditor"))
    return AccountLine(account_id, name, creditor, balance, stage)


def _money_and_stage(account: Any) -> tuple[int | None, str | None]:
    if account is None:
        return None, None
    return account.balance_cents, account.stage.value if account.stage else None


def _moment(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
