"""The demo's actors: the debtors' own events, the dialer that reports call outcomes, the negotiation desk.

Each plays the part `ops.demo_cast` dealt the account, through the same `ops` functions as the CLI and
the API: a refusal (an event for an account that has just closed, say) is reported as a line and the
actor goes on; anything else ends the actor with its error, and the demo's supervisor stops the run.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from domain import holds
from domain.messages import HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput
from domain.money import format_cents
from domain.negotiation_messages import PlanProposal, ProposalDecision
from domain.stages import Stage
from ops import account_workflows, negotiation, write_downs
from ops.context import OpsContext
from ops.demo_cast import Cast, DemoEvent, Part, call_outcome, negotiation_part
from ops.errors import OpsError
from service.tokens import Caller, Role
from store import repository

Recent = Callable[[str], None]
DEMO_SUPERVISOR = Caller("Dana Reyes", Role.SUPERVISOR)
"""The demo's in-process supervisor: approves settlements and applies discharges under this name."""


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


async def _send(ctx: OpsContext, event: DemoEvent) -> str:
    account, today = event.account_id, _today()
    match event.kind:
        case "payment":
            reference = f"demo-{account}-payment-{int(event.at_seconds * 1000)}"
            return await account_workflows.send_payment(
                ctx, account, PaymentInput(event.amount_cents, reference, today)
            )
        case "dispute":
            hold = holds.dispute_hold(f"demo-{account}-dispute", reason="amount disputed")
            return await account_workflows.send_hold(ctx, account, hold)
        case "dispute-verified":
            release = HoldReleaseInput(outcome=HoldOutcome.VERIFIED, kind=HoldKind.DISPUTE)
            return await account_workflows.send_hold_release(ctx, account, release)
        case "bankruptcy":
            hold = holds.bankruptcy_hold(f"demo-{account}-bk", chapter="7", filed_on=today, court="D. Demo")
            return await account_workflows.send_hold(ctx, account, hold)
        case "discharge":
            release = HoldReleaseInput(f"demo-{account}-bk", HoldOutcome.DISCHARGE)
            return await write_downs.release_hold(ctx, account, release, DEMO_SUPERVISOR)
    raise ValueError(f"unknown demo event {event.kind!r}")


async def feed_events(ctx: OpsContext, events: list[DemoEvent], recent: Recent, *, began: float) -> None:
    """Send each scripted event at its time (seconds after `began`, the loop's clock)."""
    loop = asyncio.get_running_loop()
    for event in events:
        await asyncio.sleep(max(0.0, began + event.at_seconds - loop.time()))
        amount = f" {format_cents(event.amount_cents)}" if event.amount_cents else ""
        try:
            await _send(ctx, event)
            recent(f"{event.account_id}: {event.kind}{amount}")
        except OpsError as err:
            recent(f"{event.account_id}: {event.kind} refused ({err})")


async def play_dialer(ctx: OpsContext, cast: Cast, recent: Recent, *, seed: int) -> None:
    """Report an outcome for each call the engine placed, the way the account's part answers."""
    rng = random.Random(seed)
    reported: set[tuple[str, int]] = set()
    while True:
        await asyncio.sleep(1.0)
        async with ctx.sessions() as session:
            attempts = await repository.attempts_for(session, None)
        for attempt in attempts:
            key = (attempt.account_id, attempt.attempt_no)
            if attempt.channel != "call" or attempt.status != "sent" or attempt.outcome is not None or key in reported:
                continue
            if attempt.account_id not in cast.parts:
                continue
            reported.add(key)
            outcome = call_outcome(cast.parts[attempt.account_id], attempt.attempt_no, rng)
            try:
                await account_workflows.send_contact_outcome(ctx, attempt.account_id, attempt.attempt_no, outcome)
                recent(f"{attempt.account_id}: call #{attempt.attempt_no} {outcome}")
            except OpsError as err:
                recent(f"{attempt.account_id}: call #{attempt.attempt_no} outcome refused ({err})")


async def _negotiate(
    ctx: OpsContext, account_id: str, balance_cents: int, part: Part, rng: random.Random, recent: Recent
) -> None:
    """One debtor at the table: a plan (sometimes too long a one first), a settlement, or no decision yet."""
    today = datetime.now(UTC).date()
    first_due = (today + timedelta(days=7)).isoformat()
    if part == Part.TALKS:
        recent(f"{account_id}: talked, thinking it over")
        return
    if part == Part.PLAN:
        if rng.random() < 0.3:
            try:
                answer = await negotiation.propose(ctx, account_id, PlanProposal(60, first_due))
                recent(f"{account_id}: 60 installments {answer.decision}")
            except OpsError as err:  # too long a plan: refused with the reason, as a debtor hears it
                recent(f"{account_id}: 60 installments {err}")
        answer = await negotiation.propose(ctx, account_id, PlanProposal(3, first_due))
        recent(f"{account_id}: 3 installments {answer.decision}")
        first = answer.offer.installments[0].amount_cents if answer.offer else 0
        if answer.decision == ProposalDecision.ACCEPTED and first:
            reference = f"demo-{account_id}-installment-1"
            await account_workflows.send_payment(ctx, account_id, PaymentInput(first, reference, today.isoformat()))
            recent(f"{account_id}: installment 1 paid early {format_cents(first)}")
        return
    settle = balance_cents * 8 // 10
    answer = await negotiation.propose(ctx, account_id, PlanProposal(settle_cents=settle))
    recent(f"{account_id}: settle for {format_cents(settle)} {answer.decision} {answer.required_role or ''}".rstrip())
    if answer.decision != ProposalDecision.PENDING_APPROVAL:
        return
    await asyncio.sleep(rng.uniform(2, 5))  # the supervisor looks at the queue
    decided = await write_downs.decide_settlement(ctx, account_id, DEMO_SUPERVISOR, approve=True)
    recent(f"{account_id}: settlement {decided.decision} by {DEMO_SUPERVISOR.name} ({DEMO_SUPERVISOR.role})")
    if decided.decision == ProposalDecision.ACCEPTED:
        await asyncio.sleep(rng.uniform(1, 3))  # the debtor pays
        reference = f"demo-{account_id}-settlement"
        await account_workflows.send_payment(ctx, account_id, PaymentInput(settle, reference, today.isoformat()))
        recent(f"{account_id}: settlement paid {format_cents(settle)}")


async def play_negotiations(ctx: OpsContext, cast: Cast, recent: Recent, *, seed: int) -> None:
    """Each account that reaches `negotiating` plays its part at the table; the demo's supervisor approves.

    A conversation that fails with anything but a refusal ends this actor with that error."""
    rng = random.Random(seed + 1)
    seen: set[str] = set()
    async with asyncio.TaskGroup() as talks:
        while True:
            await asyncio.sleep(1.0)
            async with ctx.sessions() as session:
                found = await repository.get_accounts(session, sorted(set(cast.parts) - seen))
            for account in found.values():
                if account.stage != Stage.NEGOTIATING:
                    continue
                seen.add(account.account_id)
                part = negotiation_part(cast.parts[account.account_id], rng)
                talks.create_task(_talk(ctx, account.account_id, account.balance_cents, part, rng, recent))


async def _talk(
    ctx: OpsContext, account_id: str, balance_cents: int, part: Part, rng: random.Random, recent: Recent
) -> None:
    try:
        await _negotiate(ctx, account_id, balance_cents, part, rng, recent)
    except OpsError as err:
        recent(f"{account_id}: negotiation stopped ({err})")
