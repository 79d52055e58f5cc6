"""The demo's debtors and dialer: seeded payments, disputes and bankruptcies, and call outcomes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.contact import Outcome
from domain.messages import HoldInput, HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput
from domain.money import format_cents
from ops import account_workflows
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
            return account_workflows.send_hold(ctx, account, HoldInput(hold, HoldKind.BANKRUPTCY, "chapter 7"))
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
