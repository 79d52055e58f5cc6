"""The demo's debtors, dialer and desk: seeded payments, holds, call outcomes, proposals and approvals."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain import holds
from domain.contact import Outcome
from domain.messages import HoldInput, HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput
from domain.money import format_cents
from domain.negotiation_messages import ApprovalInput, PlanProposal, ProposalAnswer, ProposalDecision
from domain.stages import Stage
from ops import account_workflows, negotiation
from ops.context import OpsContext
from ops.errors import OpsError
from store import repository

CALL_OUTCOMES = {
    Outcome.RIGHT_PARTY_CONTACT: 0.4,
    Outcome.NO_ANSWER: 0.3,
    Outcome.VOICEMAIL: 0.2,
    Outcome.WRONG_NUMBER: 0.1,
}


@dataclass(frozen=True)
class DemoEvent:
    at_seconds: float
    account_id: str
    kind: str
    amount_cents: int = 0


def demo_events(balances: dict[str, int], *, seconds: float, seed: int) -> list[DemoEvent]:
    """A seeded script of debtor behaviour: payers, part-payers, disputes, bankruptcies, silence."""
    rng = random.Random(seed)
    events: list[DemoEvent] = []
    for account_id, balance in sorted(balances.items()):
        roll = rng.random()
        first = rng.uniform(0.2, 0.7) * seconds
        later = rng.uniform(first + 0.1 * seconds, seconds)
        if roll < 0.15:
            events.append(DemoEvent(first, account_id, "payment", balance))
        elif roll < 0.25:
            part = max(100, balance // 3)
            events += [
                DemoEvent(first, account_id, "payment", part),
                DemoEvent(later, account_id, "payment", balance - part),
            ]
        elif roll < 0.32:
            events += [DemoEvent(first, account_id, "dispute"), DemoEvent(later, account_id, "dispute-resolved")]
        elif roll < 0.35:
            events += [DemoEvent(first, account_id, "bankruptcy"), DemoEvent(later, account_id, "discharge")]
    return sorted(events, key=lambda e: e.at_seconds)


def _sender(ctx: OpsContext, event: DemoEvent, today: str) -> Awaitable[str]:
    reference = f"demo-{event.account_id}-{event.kind}-{int(event.at_seconds * 1000)}"
    hold = f"demo-{event.account_id}-{'dispute' if 'dispute' in event.kind else 'bankruptcy'}"
    account = event.account_id
    match event.kind:
        case "payment":
            return account_workflows.send_payment(ctx, account, PaymentInput(event.amount_cents, reference, today))
        case "dispute":
            return account_workflows.send_hold(ctx, account, HoldInput(hold, HoldKind.DISPUTE, "amount disputed"))
        case "bankruptcy":
            return account_workflows.send_hold(ctx, account, holds.bankruptcy_hold(hold, chapter="7", filed_on=today))
        case "dispute-resolved":
            return account_workflows.send_hold_release(ctx, account, HoldReleaseInput(hold, HoldOutcome.RESUME))
        case _:
            return account_workflows.send_hold_release(ctx, account, HoldReleaseInput(hold, HoldOutcome.DISCHARGE))


async def feed_events(ctx: OpsContext, events: list[DemoEvent], recent: list[str]) -> None:
    loop = asyncio.get_running_loop()
    began = loop.time()
    today = datetime.now(UTC).date().isoformat()
    for event in events:
        await asyncio.sleep(max(0.0, began + event.at_seconds - loop.time()))
        amount = f" {format_cents(event.amount_cents)}" if event.amount_cents else ""
        try:
            await _sender(ctx, event, today)
            recent.append(f"{event.account_id}: {event.kind}{amount}")
        except OpsError as err:
            recent.append(f"{event.account_id}: {event.kind} refused ({err})")


async def play_dialer(
    ctx: OpsContext, accounts: set[str], recent: list[str], *, seed: int, stop: Callable[[], bool]
) -> None:
    """Answer each placed call of the demo's accounts the way a dialer reports outcomes."""
    rng = random.Random(seed)
    reported: set[tuple[str, int]] = set()
    while not stop():
        await asyncio.sleep(1.0)
        async with ctx.sessions() as session:
            attempts = await repository.attempts_for(session, None)
        for attempt in attempts:
            key = (attempt.account_id, attempt.attempt_no)
            if attempt.channel != "call" or attempt.status != "sent" or key in reported:
                continue
            if attempt.account_id not in accounts:
                continue
            reported.add(key)
            outcome = rng.choices(list(CALL_OUTCOMES), weights=list(CALL_OUTCOMES.values()))[0]
            try:
                await account_workflows.send_contact_outcome(ctx, attempt.account_id, attempt.attempt_no, outcome)
                recent.append(f"{attempt.account_id}: call #{attempt.attempt_no} {outcome}")
            except OpsError:
                continue


async def _negotiate(
    ctx: OpsContext, account_id: str, balance_cents: int, rng: random.Random, recent: list[str]
) -> None:
    """One debtor at the table: a plan, a settlement a supervisor must approve, or too long a plan first."""
    soon = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    roll = rng.random()
    if roll < 0.25:
        try:
            await negotiation.propose(ctx, account_id, PlanProposal(60, soon))
        except OpsError as err:
            recent.append(f"{account_id}: 60 installments {err}")
    if roll < 0.65:
        answer = await negotiation.propose(ctx, account_id, PlanProposal(3, soon))
        recent.append(f"{account_id}: 3 installments {answer.decision}")
        first = answer.offer.installments[0].amount_cents if answer.offer else 0
        if answer.decision == ProposalDecision.ACCEPTED and first:
            reference = f"demo-{account_id}-installment-1"
            await account_workflows.send_payment(ctx, account_id, PaymentInput(first, reference, soon))
            recent.append(f"{account_id}: installment 1 paid early {format_cents(first)}")
        return
    settle = balance_cents * 8 // 10
    answer = await negotiation.propose(ctx, account_id, PlanProposal(settle_cents=settle))
    recent.append(f"{account_id}: settle for {format_cents(settle)} {answer.decision} {answer.required_role or ''}")
    if answer.decision != ProposalDecision.PENDING_APPROVAL:
        return
    await asyncio.sleep(rng.uniform(3, 8))
    decided: ProposalAnswer = await negotiation.decide(ctx, account_id, ApprovalInput("Dana Reyes", "supervisor"))
    recent.append(f"{account_id}: settlement {decided.decision} by Dana Reyes (supervisor)")
    if decided.decision == ProposalDecision.ACCEPTED:
        await asyncio.sleep(rng.uniform(2, 5))
        reference = f"demo-{account_id}-settlement"
        await account_workflows.send_payment(ctx, account_id, PaymentInput(settle, reference, soon))
        recent.append(f"{account_id}: settlement paid {format_cents(settle)}")


async def play_negotiations(
    ctx: OpsContext, accounts: set[str], recent: list[str], *, seed: int, stop: Callable[[], bool]
) -> None:
    """Each demo account that reaches `negotiating` makes a proposal; a supervisor approves settlements."""
    rng = random.Random(seed + 1)
    seen: set[str] = set()
    talks: set[asyncio.Task[None]] = set()

    async def talk(account_id: str, balance_cents: int) -> None:
        try:
            await _negotiate(ctx, account_id, balance_cents, rng, recent)
        except OpsError as err:
            recent.append(f"{account_id}: negotiation stopped ({err})")

    while not stop():
        await asyncio.sleep(1.0)
        async with ctx.sessions() as session:
            found = await repository.get_accounts(session, sorted(accounts - seen))
        for account in found.values():
            if account.stage == Stage.NEGOTIATING:
                seen.add(account.account_id)
                task = asyncio.create_task(talk(account.account_id, account.balance_cents))
                talks.add(task)
                task.add_done_callback(talks.discard)
