"""The debtors' side of `simulate` (ops/simulation.py): their lives on the agenda up front, their answers to the
calls read from the store each day, and the day's events sent to the workflows as signals."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from domain import debtor_model as model
from domain import holds, messages
from domain.messages import (
    ContactOutcomeInput,
    HoldInput,
    HoldKind,
    HoldOutcome,
    HoldReleaseInput,
    PaymentInput,
    ProbateInput,
)
from domain.negotiation_messages import PromiseInput
from domain.stages import Stage
from domain.workflow_contract import STATUS_QUERY, workflow_id_for
from store.models import AccountRow, ContactAttemptRow

SIGNAL_CONCURRENCY = 50


Action = Callable[["Run"], Awaitable[Any]]


@dataclass
class Run:
    """One chunk of the run: its server, its debtors and their agenda (events by simulated day)."""

    prefix: str
    env: WorkflowEnvironment
    seed: int
    rates: model.BehaviourRates
    days: int
    debtors: dict[str, model.Debtor] = field(default_factory=dict)
    agenda: dict[int, list[Action]] = field(default_factory=lambda: defaultdict(list))
    last_attempt_id: int = 0
    resolved_on: dict[str, int] = field(default_factory=dict)


def _signal(account_id: str, name: str, argument: object) -> Action:
    async def send(run: Run) -> None:
        try:
            await run.env.client.get_workflow_handle(workflow_id_for(account_id)).signal(name, argument)
        except Exception:  # noqa: BLE001 - a debtor's event for an account already closed changes nothing
            return

    return send


SIGNAL_OF: dict[type, str] = {HoldInput: "place_hold", HoldReleaseInput: "release_hold"}
"""The signal a debtor's life event (domain.debtor_model.life_events) is sent as."""


def plan_lives(run: Run, today: str) -> None:
    """Self-cures, disputes, bankruptcies and deaths: placed on the agenda up front."""
    for account_id, debtor in run.debtors.items():
        for event in model.life_events(debtor, account_id, date.fromisoformat(today)):
            run.agenda[event.day].append(_life_action(account_id, event))


def _life_action(account_id: str, event: model.LifeEvent) -> Action:
    match event.what:
        case "pay":
            return _pay_in_full(account_id, event.tag, event.share)
        case "bankruptcy":
            return _bankruptcy(account_id)
        case "estate":
            return _estate(account_id, pays=event.pays)
    return _signal(account_id, SIGNAL_OF[type(event.payload)], event.payload)


def _bankruptcy(account_id: str) -> Action:
    async def file(run: Run) -> None:
        filed_on = (await run.env.get_current_time()).date().isoformat()
        petition = holds.bankruptcy_hold(f"SIM-BK-{account_id}", chapter="7", filed_on=filed_on)
        await _signal(account_id, "place_hold", petition)(run)

    return file


def _pay_in_full(account_id: str, tag: str, share: float = 1.0) -> Action:
    async def pay(run: Run) -> None:
        status = await _status(run, account_id)
        if status is None or status.balance_cents <= 0 or status.stage.is_terminal:
            return
        cents = max(1, int(status.balance_cents * share))
        received = (await run.env.get_current_time()).date().isoformat()
        source = holds.ESTATE_SOURCE if tag == "ESTATE" else "debtor"
        await _signal(account_id, "payment", PaymentInput(cents, f"SIM-{tag}-{account_id}", received, source))(run)

    return pay


def _estate(account_id: str, *, pays: bool) -> Action:
    async def settle(run: Run) -> None:
        deadline = ((await run.env.get_current_time()).date() + timedelta(days=120)).isoformat()
        probate = ProbateInput("Estate Representative", deadline, email=f"estate-{account_id}@example.com")
        await _signal(account_id, "probate", probate)(run)
        if pays:
            await _pay_in_full(account_id, "ESTATE", share=0.5)(run)
        else:
            await _signal(account_id, "release_hold", HoldReleaseInput(
                outcome=HoldOutcome.WRITE_OFF, kind=HoldKind.DECEASED))(run)  # fmt: skip

    return settle


async def _status(run: Run, account_id: str) -> Any:
    try:
        handle = run.env.client.get_workflow_handle(workflow_id_for(account_id))
        return await handle.query(STATUS_QUERY, result_type=messages.AccountStatus)
    except Exception:  # noqa: BLE001 - closed or not yet loaded: nothing to pay
        return None


def _promise(account_id: str, in_days: int) -> Action:
    async def promise(run: Run) -> None:
        status = await _status(run, account_id)
        if status is None or status.balance_cents <= 0:
            return
        due = ((await run.env.get_current_time()).date() + timedelta(days=in_days)).isoformat()
        await _signal(account_id, "promise_to_pay", PromiseInput(status.balance_cents, due))(run)

    return promise


async def read_calls(run: Run, sessions: Any, day: int) -> None:
    """Answer every call placed since the last read, as the debtor model says; queue what follows."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(ContactAttemptRow.id, ContactAttemptRow.account_id, ContactAttemptRow.attempt_no)
                .where(ContactAttemptRow.id > run.last_attempt_id)
                .where(ContactAttemptRow.account_id.in_(run.debtors))
                .where(ContactAttemptRow.channel == "call", ContactAttemptRow.status == "sent")
                .order_by(ContactAttemptRow.id)
            )
        ).all()
    for row_id, account_id, attempt_no in rows:
        run.last_attempt_id = max(run.last_attempt_id, row_id)
        key = account_id.removeprefix(run.prefix)  # the same debtor in every run of this seed
        outcome = model.call_outcome(run.seed, key, attempt_no, run.rates)
        run.agenda[day].append(_signal(account_id, "contact_outcome", ContactOutcomeInput(attempt_no, outcome)))
        if outcome != model.Outcome.RIGHT_PARTY_CONTACT:
            continue
        promised = model.promise_after_contact(run.seed, key, attempt_no, run.rates)
        if promised is None:
            continue
        run.agenda[day].append(_promise(account_id, promised.in_days))
        if promised.kept:
            run.agenda[day + promised.in_days].append(_pay_in_full(account_id, f"PROMISE{attempt_no}"))


async def read_resolutions(run: Run, sessions: Any, day: int) -> None:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(AccountRow.account_id, AccountRow.stage).where(AccountRow.account_id.in_(run.debtors))
            )
        ).all()
    for account_id, stage in rows:
        if stage is not None and Stage(stage).is_terminal:
            run.resolved_on.setdefault(account_id, day)


async def send_actions(run: Run, actions: list[Action]) -> None:
    gate = asyncio.Semaphore(SIGNAL_CONCURRENCY)

    async def one(action: Action) -> None:
        async with gate:
            await action(run)

    await asyncio.gather(*(one(a) for a in actions))
