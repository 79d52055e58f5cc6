"""`simulate --engine fast`: the account machine (domain/machine.py) driven in process, without Temporal.

The same synthetic portfolio (ops/synthetic.py, with the same phones from elsewhere), the same seeded debtors
(domain/debtor_model.py) and the same day grid as ops/simulation.py: the portfolio starts at 21:00 UTC, the
calls placed are read at 09:00 UTC, the debtors' events arrive at 10:00 UTC. The store is in memory
(ops/fast_store.py). Accounts run one at a time, each clock jumping from one `Wait` deadline or debtor event
to the next, so memory does not grow with the days and a quiet day costs nothing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from domain import debtor_model as model
from domain import holds, lifecycle, machine
from domain.commands import Call, Context, Event, Wait
from domain.contact import Channel, Outcome
from domain.contact_messages import AttemptStatus
from domain.intake import AccountRecord, parse_accounts_csv
from domain.messages import (
    AccountSnapshot,
    ContactOutcomeInput,
    HoldKind,
    HoldOutcome,
    HoldReleaseInput,
    PaymentInput,
    ProbateInput,
)
from domain.negotiation_messages import PromiseInput
from domain.stages import Stage
from domain.strategy import ContactPlan
from ops.fast_store import FastStore, Ledger, StoredContacts, StoreRefusal
from ops.simulation import EVENTS_AT, READ_AT, START_AT, SimulationReport, with_phones_from_elsewhere
from ops.strategies import load_strategy
from ops.synthetic import synthetic_portfolio_csv

DAY = timedelta(days=1)
ARRIVAL = timedelta(milliseconds=1)
"""The debtors' events reach a workflow just after 10:00 (they are sent once the clock is there): a deadline
set by an earlier event falls with them and comes second; one at 10:00:00 sharp (a calendar boundary) first."""
PREFIX = "F-"


@dataclass
class AccountOutcome:
    """What the equivalence test compares, per account."""

    stage: str | None
    balance_cents: int
    attempts: dict[tuple[str, str, str], int]
    """(channel, status, outcome or rule) -> attempts"""
    payments: dict[str, int]
    """reference without the account id -> cents"""


@dataclass
class _Totals:
    by_stage: Counter[str] = field(default_factory=Counter)
    collected: int = 0
    promises: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    blocks: Counter[str] = field(default_factory=Counter)
    reached: int = 0
    resolved: list[int] = field(default_factory=list)

    def add(self, ledger: Ledger, resolved_on: int | None) -> None:
        if ledger.stage is not None:
            self.by_stage[ledger.stage.value] += 1
        self.collected += sum(ledger.payments.values())
        self.promises.update(ledger.promises.values())
        for attempt in ledger.attempts.values():
            if attempt.status in (AttemptStatus.SENT, AttemptStatus.UNCONFIRMED):
                self.channels[attempt.channel.value] += 1
            elif attempt.status == AttemptStatus.BLOCKED:
                self.blocks[str(attempt.rule)] += 1
        self.reached += any(a.outcome == Outcome.RIGHT_PARTY_CONTACT for a in ledger.attempts.values())
        if resolved_on is not None:
            self.resolved.append(resolved_on)


class _Grid:
    """The day grid of one run: day `d` (1-based) reads at 09:00 and sends at 10:00 UTC."""

    def __init__(self, start: datetime, days: int) -> None:
        self.start, self.days = start, days
        self.first_read = start.replace(hour=READ_AT)
        self.end = self.at(days + 1, READ_AT)

    def at(self, day: int, hour: int) -> datetime:
        return (self.start + day * DAY).replace(hour=hour)

    def read_day(self, at: datetime) -> int:
        """The day whose 09:00 read first sees something that happened at `at`."""
        return (at - self.first_read) // DAY + 1


class _Account:
    """One account through the machine, its debtor's events on its agenda."""

    def __init__(self, run: FastRun, ledger: Ledger, debtor: model.Debtor, plan: ContactPlan) -> None:
        self.run, self.ledger, self.debtor = run, ledger, debtor
        self.key = ledger.record.account_id.removeprefix(PREFIX)
        self.clock = run.grid.start
        self.agenda: dict[int, list[tuple[Any, ...]]] = {}
        self.reads: dict[int, list[int]] = {}
        self.resolved_on: int | None = None
        record = ledger.record
        snapshot = AccountSnapshot(
            record.account_id, record.balance_cents, record.currency, record.due_date.isoformat(), record.segment
        )
        self.state = lifecycle.new_account_state(snapshot, self.clock, plan)
        self._plan_life()

    def _plan_life(self) -> None:
        """Self-cure, dispute, bankruptcy or death (domain.debtor_model.life_events), as the full engine plans them."""
        for event in model.life_events(self.debtor, self.ledger.record.account_id, self.run.grid.start.date()):
            match event.what:
                case "pay":
                    self._later(event.day, ("pay", event.tag, event.share))
                case "bankruptcy":
                    self._later(event.day, ("bankruptcy",))
                case "estate":
                    self._later(event.day, ("estate", event.pays))
                case _:
                    self._later(event.day, ("send", event.payload))

    def _later(self, day: int, action: tuple[Any, ...]) -> None:
        if day <= self.run.grid.days:
            self.agenda.setdefault(day, []).append(action)

    def live(self) -> None:
        """Interpret the machine until it closes the account or the run's last read."""
        life = machine.life(Context(self.state, lambda: self.clock))
        answer: Any = None
        while True:
            try:
                command = life.send(answer)
            except StopIteration:
                return
            if isinstance(command, Wait):
                answer = self._wait(command)
                if answer is None:
                    life.close()
                    return
                continue
            try:
                answer = self.run.store.perform(self.ledger, command)
            except StoreRefusal:  # as a workflow that fails on a refusal: the account stays where it is
                life.close()
                return
            self._noted(command, answer)

    def _noted(self, command: Call, answer: Any) -> None:
        """A call placed (read at the next 09:00); the account closed (its resolution day)."""
        request = command.request
        if command.activity == "send_contact":
            if request.channel == Channel.CALL and getattr(answer, "status", None) == AttemptStatus.SENT:
                day = self.run.grid.read_day(self.clock)
                if day <= self.run.grid.days:
                    self.reads.setdefault(day, []).append(request.attempt_no)
        elif command.activity == "record_stage_change" and request.to_stage.is_terminal and self.resolved_on is None:
            self.resolved_on = min(self.run.grid.read_day(self.clock), self.run.grid.days + 1)

    def _wait(self, command: Wait) -> list[Event] | None:
        """The events of the next debtor day before `until`, [] at `until`; None past the run's end."""
        grid = self.run.grid
        while True:
            day = min((*self.agenda, *self.reads), default=None)
            at = grid.at(day, EVENTS_AT) + ARRIVAL if day is not None else None
            if command.until is not None and (at is None or command.until < at):
                if command.until >= grid.end:
                    return None
                self.clock = max(self.clock, command.until)
                return []
            if day is None or at is None:
                return None
            self.clock = at
            if events := self._events(day):
                return events

    def _events(self, day: int) -> list[Event]:
        """The day's signals, as ops.simulation sends them (status read before any is handled), in one answer:
        sent at once, they reach a workflow in one task, unless the first wakes it alone (then the machine
        decides once in between: 1 account in 1,300 compared, a call blocked on a phone just found wrong)."""
        actions = self.agenda.pop(day, [])
        for attempt_no in self.reads.pop(day, []):
            actions += self._answer_call(day, attempt_no)
        balance, closed = self.state.balance_cents, self.state.stage.is_terminal
        today = self.clock.date()
        ref, events = self.ledger.record.account_id, []
        for action in actions:
            match action:
                case ("send", payload):
                    events.append(payload)
                case ("pay", tag, share):
                    if balance > 0 and not closed:
                        source = holds.ESTATE_SOURCE if tag == "ESTATE" else "debtor"
                        cents = max(1, int(balance * share))
                        events.append(PaymentInput(cents, f"SIM-{tag}-{ref}", today.isoformat(), source))
                case ("promise", in_days):
                    if balance > 0:
                        events.append(PromiseInput(balance, (today + timedelta(days=in_days)).isoformat()))
                case ("bankruptcy",):
                    events.append(holds.bankruptcy_hold(f"SIM-BK-{ref}", chapter="7", filed_on=today.isoformat()))
                case ("estate", pays):
                    deadline = (today + timedelta(days=120)).isoformat()
                    events.append(ProbateInput("Estate Representative", deadline, email=f"estate-{ref}@example.com"))
                    if pays and balance > 0 and not closed:
                        share = max(1, int(balance * 0.5))
                        events.append(PaymentInput(share, f"SIM-ESTATE-{ref}", today.isoformat(), holds.ESTATE_SOURCE))
                    elif not pays:
                        events.append(HoldReleaseInput(outcome=HoldOutcome.WRITE_OFF, kind=HoldKind.DECEASED))
        return [Event(payload) for payload in events]

    def _answer_call(self, day: int, attempt_no: int) -> list[tuple[Any, ...]]:
        """ops.simulation_debtors.read_calls for one call: its outcome, and a promise (kept or not) after a
        conversation."""
        run = self.run
        outcome = model.call_outcome(run.seed, self.key, attempt_no, run.rates)
        actions: list[tuple[Any, ...]] = [("send", ContactOutcomeInput(attempt_no, outcome))]
        if outcome != Outcome.RIGHT_PARTY_CONTACT:
            return actions
        promised = model.promise_after_contact(run.seed, self.key, attempt_no, run.rates)
        if promised is None:
            return actions
        actions.append(("promise", promised.in_days))
        if promised.kept:
            self._later(day + promised.in_days, ("pay", f"PROMISE{attempt_no}", 1.0))
        return actions

    def outcome(self) -> AccountOutcome:
        attempts: Counter[tuple[str, str, str]] = Counter()
        for a in self.ledger.attempts.values():
            detail = a.outcome.value if a.outcome else (str(a.rule) if a.rule else "")
            attempts[(a.channel.value, a.status.value, detail)] += 1
        ref = self.ledger.record.account_id
        payments = {name.replace(f"-{ref}", ""): cents for name, cents in self.ledger.payments.items()}
        stage = self.ledger.stage.value if self.ledger.stage else None
        return AccountOutcome(stage, self.ledger.balance_cents, dict(attempts), payments)


@dataclass
class FastRun:
    seed: int
    rates: model.BehaviourRates
    grid: _Grid
    store: FastStore = field(default_factory=FastStore)


def next_start(now: datetime | None = None) -> datetime:
    """The portfolio's start as ops.simulation takes it: the next 21:00 UTC."""
    now = now or datetime.now(UTC)
    at = now.replace(hour=START_AT, minute=0, second=0, microsecond=0)
    return at if at > now else at + DAY


def portfolio(accounts: int, seed: int, start: datetime) -> list[AccountRecord]:
    csv = synthetic_portfolio_csv(accounts, seed=seed, as_of=start.date(), prefix=PREFIX)
    return parse_accounts_csv(with_phones_from_elsewhere(csv, seed))


def simulate_fast(
    *,
    accounts: int,
    days: int,
    seed: int,
    strategy: str,
    rates: model.BehaviourRates,
    start: datetime | None = None,
    on_account: Callable[[], None] = lambda: None,
    outcomes: dict[str, AccountOutcome] | None = None,
) -> SimulationReport:
    """ops.simulation.simulate's report, from the machine run in process; with `outcomes`, each account's
    outcome is put there under its number ('000001')."""
    start = start or next_start()
    book = portfolio(accounts, seed, start)
    return simulate_book(book, days=days, seed=seed, strategy=strategy, rates=rates, start=start,
                         on_account=on_account, outcomes=outcomes)  # fmt: skip


def simulate_book(
    book: Sequence[AccountRecord],
    *,
    days: int,
    seed: int,
    strategy: str,
    rates: model.BehaviourRates,
    start: datetime | None = None,
    stored: Mapping[str, StoredContacts] | None = None,
    licences: Mapping[str, str] | None = None,
    on_account: Callable[[], None] = lambda: None,
    outcomes: dict[str, AccountOutcome] | None = None,
) -> SimulationReport:
    """The machine over these accounts, each from a fresh state in contacting at `start`; `stored` gives an
    account's contact points as a real store holds them (else its record's phone, email and address);
    `licences` the collector's licence numbers (COLLECTOR_LICENSES) the rule packs ask written messages for."""
    began = time.monotonic()
    plans = load_strategy(strategy)
    start = start or next_start()
    run = FastRun(seed, rates, _Grid(start, days), FastStore(licences))
    totals, plan_cache, stored = _Totals(), dict[tuple[str, str], ContactPlan](), stored or {}
    for record in book:
        key = (record.segment, record.state)
        plan = plan_cache.get(key) or plan_cache.setdefault(key, plans.plan_for(segment=key[0], state=key[1]))
        number = record.account_id.removeprefix(PREFIX)
        ledger = run.store.open(record, stored.get(record.account_id))
        account = _Account(run, ledger, model.debtor(seed, number, rates, days), plan)
        account.live()
        totals.add(account.ledger, account.resolved_on)
        if outcomes is not None:
            outcomes[number] = account.outcome()
        on_account()
    accounts = len(book)
    report = _report(totals, strategy, accounts, days, seed)
    report.wall_seconds = round(time.monotonic() - began, 1)
    report.account_days_per_second = round(accounts * days / max(report.wall_seconds, 0.001), 1)
    return report


def _report(totals: _Totals, strategy: str, accounts: int, days: int, seed: int) -> SimulationReport:
    cured = totals.by_stage[Stage.PAID.value] + totals.by_stage[Stage.SETTLED.value]
    judged = totals.promises["kept"] + totals.promises["broken"]
    resolved = totals.resolved
    return SimulationReport(
        strategy=strategy, accounts=accounts, days=days, seed=seed, by_stage=dict(sorted(totals.by_stage.items())),
        collected_cents=totals.collected, cure_rate=round(cured / accounts, 4),
        promise_kept_rate=round(totals.promises["kept"] / judged, 4) if judged else None,
        right_party_contact_rate=round(totals.reached / accounts, 4),
        avg_days_to_resolution=round(sum(resolved) / len(resolved), 1) if resolved else None,
        attempts_by_channel=dict(sorted(totals.channels.items())),
        blocks_by_rule=dict(sorted(totals.blocks.items())),
    )  # fmt: skip
