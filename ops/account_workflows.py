"""Starting account workflows and feeding them events; every check happens before anything is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from uuid import uuid4
from zoneinfo import ZoneInfo

from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain import holds, inbound, referral, validation
from domain.cadence import compliance_profile
from domain.contact import CHANNEL_POINT_KIND, Channel, Outcome
from domain.contact_messages import ContactPreference
from domain.inbound import InboundContactInput
from domain.messages import (
    AccountSnapshot,
    AccountWorkflowInput,
    ContactOutcomeInput,
    ContactPreferenceChange,
    HoldInput,
    HoldKind,
    HoldReleaseInput,
    PaymentInput,
    ProbateInput,
)
from domain.money import format_cents
from domain.reversal_messages import PaymentReversalInput
from domain.rule_packs import account_profile
from domain.workflow_contract import WORKFLOW_TYPE, workflow_id_for
from ops import applied
from ops.context import OpsContext
from ops.errors import OpsError, engine_busy
from ops.strategies import known_agency, load_strategy
from store import months, repository
from store.views import AccountView, HoldView

START_CONCURRENCY = 50


@dataclass
class StartSummary:
    started: list[str]
    already_started: list[str]


def refuse(problem: str | None) -> None:
    """A domain.validation answer as the one-line refusal every entry point shows."""
    if problem is not None:
        raise OpsError(f"{problem}: nothing changed")


async def require_account(ctx: OpsContext, account_id: str) -> AccountView:
    async with ctx.sessions() as session:
        account = await repository.get_account(session, account_id)
    if account is None:
        raise OpsError(f"unknown account {account_id}")
    return account


async def require_open_account(ctx: OpsContext, account_id: str) -> AccountView:
    account = await require_account(ctx, account_id)
    if account.stage is not None and account.stage.is_terminal:
        raise OpsError(f"account {account_id} is closed ({account.stage}): nothing changed")
    return account


async def past_due_accounts(ctx: OpsContext, as_of: date) -> list[str]:
    async with ctx.sessions() as session:
        return await repository.past_due_account_ids(session, as_of=as_of)


def _start_options(ctx: OpsContext, account_id: str) -> dict:
    return {
        "id": workflow_id_for(account_id),
        "task_queue": ctx.settings.collections_task_queue,
        "id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE,
    }


def _workflow_input(ctx: OpsContext, account: AccountView) -> AccountWorkflowInput:
    snapshot = AccountSnapshot(
        account.account_id, account.balance_cents, account.currency, account.due_date.isoformat(), account.segment
    )
    return AccountWorkflowInput(
        account.account_id,
        max_history_events=ctx.settings.max_history_events,
        snapshot=snapshot,
        plan=ctx.plan_for(segment=account.segment, state=account.state),
    )


def _some(account_ids: list[str], shown: int = 5) -> str:
    more = f" and {len(account_ids) - shown} more" if len(account_ids) > shown else ""
    return ", ".join(account_ids[:shown]) + more


async def start_accounts(
    ctx: OpsContext, account_ids: Sequence[str], *, on_progress: Callable[[], None] = lambda: None
) -> StartSummary:
    """Start one workflow per account; an account whose workflow exists already is left alone."""
    async with ctx.sessions() as session:
        found = await repository.get_accounts(session, account_ids)
    unknown = [a for a in account_ids if a not in found]
    closed = [a for a in account_ids if a in found and (stage := found[a].stage) is not None and stage.is_terminal]
    if unknown:
        raise OpsError(f"unknown account(s) {_some(unknown)}: nothing started")
    if closed:
        raise OpsError(f"closed account(s) {_some(closed)}: nothing started")
    accounts = [found[a] for a in dict.fromkeys(account_ids)]
    summary = StartSummary([], [])
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def start_one(account: AccountView) -> None:
        async with gate:
            try:
                await ctx.client.start_workflow(
                    WORKFLOW_TYPE,
                    _workflow_input(ctx, account),
                    **_start_options(ctx, account.account_id),
                )
                summary.started.append(account.account_id)
            except WorkflowAlreadyStartedError:
                summary.already_started.append(account.account_id)
            on_progress()

    await asyncio.gather(*(start_one(a) for a in accounts))
    return summary


async def _signal_with_start(ctx: OpsContext, account: AccountView, signal: str, argument: object) -> None:
    try:
        await ctx.client.start_workflow(
            WORKFLOW_TYPE,
            _workflow_input(ctx, account),
            start_signal=signal,
            start_signal_args=[argument],
            **_start_options(ctx, account.account_id),
        )
    except WorkflowAlreadyStartedError:
        raise OpsError(f"account {account.account_id} is closed: its workflow has ended; nothing changed") from None
    except RPCError as err:
        if busy := engine_busy(err, account.account_id):
            raise busy from None
        raise


async def deliver_payment(ctx: OpsContext, account: AccountView, payment: PaymentInput) -> None:
    """Signal-with-start a payment already checked (ops.posting checks a file's items in bulk)."""
    await _signal_with_start(ctx, account, "payment", payment)


async def deliver_reversal(ctx: OpsContext, account: AccountView, reversal: PaymentReversalInput) -> None:
    """Signal a reversal to an open account's workflow (ops.reversals checks it, and reopens a closed one)."""
    await _signal_with_start(ctx, account, "payment_reversal", reversal)


def payment_source(ctx: OpsContext, *, agency: str | None, estate: bool) -> str:
    """Who paid: the debtor, the estate, or an agency the strategy names (it earns its commission)."""
    if agency is not None and estate:
        raise OpsError("a payment comes from an agency or from the estate, not both: nothing changed")
    if estate:
        return holds.ESTATE_SOURCE
    if agency is None:
        return "debtor"
    strategy = ctx.strategy or load_strategy(ctx.settings.collections_strategy)
    return referral.agency_source(known_agency(strategy, agency))


async def send_payment(ctx: OpsContext, account_id: str, payment: PaymentInput, *, wait: float | None = None) -> str:
    """Send a payment event; a reference already on the books is reported, not sent again. With `wait`
    (seconds), wait until the workflow has applied it and add the new balance and stage."""
    refuse(validation.payment_problem(payment))
    account = await require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        existing = await repository.payment_by_reference(session, payment.reference)
        closed = await months.closed_months(session)
    if existing is not None and existing.account_id != account_id:
        raise OpsError(
            f"payment reference {payment.reference} already belongs to account {existing.account_id}: nothing changed"
        )
    if existing is not None:
        return f"duplicate: payment {payment.reference} was already recorded on {existing.received_on}; nothing changed"
    refuse(validation.payment_problem(
        payment, datetime.now(UTC).date(), maximum_cents=ctx.settings.max_payment_cents,
        account_since=min(account.due_date, account.created_at.date()), closed_months=closed,
    ))  # fmt: skip
    await _signal_with_start(ctx, account, "payment", payment)
    sent = f"payment {payment.reference} sent to account {account_id}"
    if payment.amount_cents > account.balance_cents:
        credit = format_cents(payment.amount_cents - account.balance_cents, account.currency)
        sent = f"{sent}; it exceeds the balance: {credit} credit to refund"
    if wait is not None:
        sent = f"{sent}; {await applied.payment_applied(ctx, account_id, payment.reference, timeout=wait)}"
    return sent


async def send_hold(ctx: OpsContext, account_id: str, hold: HoldInput) -> str:
    refuse(validation.hold_problem(hold, datetime.now(UTC).date(), maximum_cents=ctx.settings.max_payment_cents))
    account = await require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        placed = [h for h in await repository.holds_for(session, account_id) if h.released_at is None]
    if on := next((h for h in placed if h.reference == hold.reference), None):  # the workflow would ignore it
        when = on.placed_at.date().isoformat()
        return f"duplicate: hold {hold.reference} is already on account {account_id} (since {when}); nothing changed"
    await _signal_with_start(ctx, account, "place_hold", hold)
    return f"{hold.kind} hold {hold.reference} sent to account {account_id}"


async def send_dispute(ctx: OpsContext, account_id: str, *, reason: str, disputed_cents: int | None) -> str:
    """Open the account's next dispute hold, `dispute-<id>-<n>`; refused while one is open.

    The reference is the account's n-th dispute, so a retry that arrives before the first is recorded
    names the same hold (one hold), and one after it is refused.
    """
    async with ctx.sessions() as session:
        disputes = [h for h in await repository.holds_for(session, account_id) if h.kind == HoldKind.DISPUTE]
    if open_ := [h.reference for h in disputes if h.released_at is None]:
        raise OpsError(f"account {account_id} already has an open dispute (hold {open_[-1]}): nothing changed")
    reference = f"dispute-{account_id}-{len(disputes) + 1}"
    return await send_hold(ctx, account_id, holds.dispute_hold(reference, reason=reason, disputed_cents=disputed_cents))


async def open_hold(ctx: OpsContext, account_id: str, kind: HoldKind | None, reference: str) -> HoldView:
    async with ctx.sessions() as session:
        found = [
            h for h in await repository.holds_for(session, account_id)
            if h.released_at is None and (h.reference == reference or (not reference and h.kind == kind))
        ]  # fmt: skip
    if not found:
        raise OpsError(f"account {account_id} has no open {reference or kind} hold: nothing changed")
    return found[-1]


async def send_hold_release(ctx: OpsContext, account_id: str, release: HoldReleaseInput) -> str:
    await require_open_account(ctx, account_id)
    hold = await open_hold(ctx, account_id, release.kind, release.reference)
    await send_running(ctx, account_id, "release_hold", HoldReleaseInput(hold.reference, release.outcome))
    return f"release of {hold.kind} hold {hold.reference} ({release.outcome}) sent to account {account_id}"


async def send_probate(ctx: OpsContext, account_id: str, probate: ProbateInput) -> str:
    await require_open_account(ctx, account_id)
    refuse(validation.probate_problem(probate, datetime.now(UTC).date()))
    hold = await open_hold(ctx, account_id, HoldKind.DECEASED, "")
    await send_running(ctx, account_id, "probate", probate)
    return f"probate for account {account_id} (hold {hold.reference}) sent: only the representative is contacted"


async def send_running(ctx: OpsContext, account_id: str, signal: str, argument: object) -> None:
    handle = ctx.client.get_workflow_handle(workflow_id_for(account_id))
    try:
        await handle.signal(signal, argument)
    except RPCError as err:
        if busy := engine_busy(err, account_id):
            raise busy from None
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        raise OpsError(f"account {account_id} has no running workflow: nothing changed") from None


async def send_contact_outcome(ctx: OpsContext, account_id: str, attempt_no: int, outcome: Outcome) -> str:
    await require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        attempts = {a.attempt_no: a for a in await repository.attempts_for(session, account_id)}
    attempt = attempts.get(attempt_no)
    refuse(validation.contact_outcome_problem(
        account_id, attempt_no, outcome, channel=attempt.channel if attempt else None,
        blocked_by=attempt.rule if attempt and attempt.status == "blocked" else None,
        inbound=bool(attempt and attempt.inbound), placed_by=attempt.placed_by if attempt else None,
    ))  # fmt: skip
    await send_running(ctx, account_id, "contact_outcome", ContactOutcomeInput(attempt_no, outcome))
    return f"outcome {outcome} of attempt {attempt_no} sent to account {account_id}"


async def send_opt_out(ctx: OpsContext, account_id: str, channel: Channel, address: str) -> str:
    account = await require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        point = await repository.find_contact_point(session, account_id, CHANNEL_POINT_KIND[channel], address)
    if point is None:
        raise OpsError(f"account {account_id} has no {CHANNEL_POINT_KIND[channel]} {address!r}: nothing changed")
    change = ContactPreferenceChange(ContactPreference.OPT_OUT, point.contact_point_id, channel.value)
    await _signal_with_start(ctx, account, "contact_preference", change)
    return f"{channel} opt-out of {CHANNEL_POINT_KIND[channel]} #{point.contact_point_id} sent to account {account_id}"


async def send_cease(ctx: OpsContext, account_id: str) -> str:
    account = await require_open_account(ctx, account_id)
    await _signal_with_start(ctx, account, "contact_preference", ContactPreferenceChange(ContactPreference.CEASE))
    return f"cease-communication request sent to account {account_id}: all outbound contact stops"


async def send_attorney(ctx: OpsContext, account_id: str, *, name: str, phone: str | None, email: str | None) -> str:
    refuse(validation.attorney_problem(name, phone=phone, email=email))
    account = await require_open_account(ctx, account_id)
    async with ctx.sessions() as session, session.begin():
        point_ids = await repository.add_attorney(
            session, account_id=account_id, name=name, phone=phone, email=email, now=datetime.now(UTC)
        )
    await _signal_with_start(ctx, account, "contact_preference", ContactPreferenceChange(ContactPreference.ATTORNEY))
    recorded = f"attorney recorded for account {account_id} ({len(point_ids)} contact point(s))"
    return f"{recorded}: only the attorney is contacted"


async def send_inbound(
    ctx: OpsContext,
    account_id: str,
    *,
    channel: Channel,
    outcome: Outcome,
    at: datetime | None = None,
    consent_to_calls: bool = False,
    point: str | None = None,
    placed_by: str = "",
) -> str:
    """Record a contact the consumer started, or (`placed_by`) a call a collector placed by hand, which
    ops.calls.place_call clears with the gate first (signal-with-start `inbound_contact`); checked first by
    domain.inbound.inbound_problem, the workflow's own check. A telephone conversation starts the
    quiet period (1006.14(b)(2)(i)(B)); consent to calls lasts 7 days (1006.14(b)(3)(i))."""
    account = await require_open_account(ctx, account_id)
    point_id = None
    async with ctx.sessions() as session:
        if point is not None:
            found = await repository.find_contact_point(session, account_id, CHANNEL_POINT_KIND[channel], point)
            if found is None:
                kind = CHANNEL_POINT_KIND[channel]
                raise OpsError(f"account {account_id} has no {kind} {point!r}: nothing changed")
            point_id = found.contact_point_id
        snapshot = await repository.contact_snapshot(session, account_id)
    now = datetime.now(UTC)
    contact = InboundContactInput(uuid4().hex, channel, outcome, at or now, consent_to_calls, point_id, placed_by)
    refuse(validation.inbound_problem(contact, now=now, account_since=account.created_at))
    await _signal_with_start(ctx, account, "inbound_contact", contact)
    phones = [p for p in snapshot.points if p.kind == "phone" and (point_id is None or p.point_id == point_id)]
    zones: list[tzinfo] = [ZoneInfo(z) for z in dict.fromkeys(z for p in phones or snapshot.points for z in p.zones)]
    local_day = max(contact.at.astimezone(zone).date() for zone in zones or [UTC])  # the gate: days in every zone
    plan = ctx.plan_for(segment=account.segment, state=account.state)
    profile = account_profile(compliance_profile(plan.compliance), snapshot.jurisdictions)  # as the gate judges
    quiet_days = profile.quiet_days_after_conversation
    return inbound.describe_inbound(account_id, contact, local_day=local_day, quiet_days=quiet_days)


async def send_attorney_allows_contact(ctx: OpsContext, account_id: str, *, reason: str, actor: str) -> str:
    """The consumer's attorney consented to direct contact, or did not respond within a reasonable time
    (1006.6(b)(2)): recorded in the store (flag and audit), then the workflow reloads its contact facts."""
    refuse(validation.attorney_allows_contact_problem(reason))
    account = await require_open_account(ctx, account_id)
    async with ctx.sessions() as session:
        snapshot = await repository.contact_snapshot(session, account_id)
    if not snapshot.attorney_point_ids:
        raise OpsError(f"account {account_id} has no attorney on record (`event attorney` first): nothing changed")
    async with ctx.sessions() as session, session.begin():
        changed = await repository.set_attorney_allows_contact(
            session, account_id, reason=reason, now=datetime.now(UTC), actor=actor
        )
    if not changed:
        return f"already recorded: the attorney allows direct contact on account {account_id}; nothing changed"
    change = ContactPreferenceChange(ContactPreference.ATTORNEY_ALLOWS_CONTACT)
    await _signal_with_start(ctx, account, "contact_preference", change)
    why = "consented to direct contact" if reason == "consent" else "did not respond within a reasonable time"
    return f"attorney on account {account_id} {why}: the consumer may be contacted directly (1006.6(b)(2))"
