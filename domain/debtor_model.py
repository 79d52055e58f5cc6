"""The simulation's debtors: seeded, pure behaviour (who answers, promises, pays, disputes, files, dies).

Every draw is keyed by (seed, account, what is being decided), never by the order events happen in,
so the same seed gives the same portfolio behaviour however the simulation's timing falls.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from domain import holds
from domain.contact import Outcome
from domain.messages import HoldKind, HoldOutcome, HoldReleaseInput


@dataclass(frozen=True)
class BehaviourRates:
    """Probabilities (0..1) of the debtor-behaviour model; `starter.py simulate` takes them as options."""

    right_party: float = 0.35
    """A placed call reaches the debtor."""
    wrong_number: float = 0.05
    promise: float = 0.5
    """After a right-party contact, the debtor promises to pay in full within two weeks."""
    promise_kept: float = 0.6
    self_cure: float = 0.08
    """Pays in full without any conversation, some day in the first 90 days."""
    dispute: float = 0.04
    bankruptcy: float = 0.02
    death: float = 0.005


class Life(StrEnum):
    """What happens to a debtor besides the conversation (decided once per account)."""

    NONE = "none"
    SELF_CURE = "self_cure"
    DISPUTE = "dispute"
    BANKRUPTCY = "bankruptcy"
    DEATH = "death"


@dataclass(frozen=True)
class Debtor:
    account_id: str
    life: Life
    life_day: int
    """The simulated day the life event happens (1-based)."""
    resolution_days: int
    """Days from the life event to its end (dispute answered, discharge, estate)."""
    resolves_for_debtor: bool
    """Dispute upheld, bankruptcy dismissed (False: verified, discharged)."""


def _rng(seed: int, *parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def debtor(seed: int, account_id: str, rates: BehaviourRates, days: int) -> Debtor:
    rng = _rng(seed, account_id, "life")
    roll, life = rng.random(), Life.NONE
    for kind, rate in (
        (Life.SELF_CURE, rates.self_cure),
        (Life.DISPUTE, rates.dispute),
        (Life.BANKRUPTCY, rates.bankruptcy),
        (Life.DEATH, rates.death),
    ):
        if roll < rate:
            life = kind
            break
        roll -= rate
    return Debtor(
        account_id,
        life,
        life_day=rng.randint(1, max(1, min(days, 90))),
        resolution_days=rng.randint(10, 60),
        resolves_for_debtor=rng.random() < 0.3,
    )


def call_outcome(seed: int, account_id: str, attempt_no: int, rates: BehaviourRates) -> Outcome:
    roll = _rng(seed, account_id, "call", attempt_no).random()
    if roll < rates.wrong_number:
        return Outcome.WRONG_NUMBER
    if roll < rates.wrong_number + rates.right_party:
        return Outcome.RIGHT_PARTY_CONTACT
    return Outcome.NO_ANSWER


@dataclass(frozen=True)
class Promise:
    in_days: int
    kept: bool


def promise_after_contact(seed: int, account_id: str, attempt_no: int, rates: BehaviourRates) -> Promise | None:
    """What a debtor reached on this call does: promise (and later keep it or not), or nothing."""
    rng = _rng(seed, account_id, "promise", attempt_no)
    if rng.random() >= rates.promise:
        return None
    return Promise(in_days=rng.randint(3, 14), kept=rng.random() < rates.promise_kept)


@dataclass(frozen=True)
class LifeEvent:
    """Something a debtor's life does to the account on simulated day `day`, the same for every engine.

    `what`: "send" (`payload`, a signal's input, as it is), "pay" (the whole balance times `share`, reference tag
    `tag`, skipped once nothing is owed), "bankruptcy" (a chapter 7 petition filed that day), "estate" (probate,
    then the estate pays half the balance when `pays`, else the balance is written off).
    """

    day: int
    what: str
    payload: Any = None
    tag: str = ""
    share: float = 1.0
    pays: bool = False


def life_events(debtor: Debtor, reference: str, start: date) -> list[LifeEvent]:
    """The self-cure, dispute, bankruptcy or death of `debtor` (account `reference`), on their days."""
    day, end = debtor.life_day, debtor.life_day + debtor.resolution_days
    match debtor.life:
        case Life.SELF_CURE:
            return [LifeEvent(day, "pay", tag="CURE")]
        case Life.DISPUTE:
            outcome = HoldOutcome.UPHELD if debtor.resolves_for_debtor else HoldOutcome.VERIFIED
            return [
                LifeEvent(day, "send", holds.dispute_hold(f"SIM-DSP-{reference}", reason="simulated dispute")),
                LifeEvent(end, "send", HoldReleaseInput(f"SIM-DSP-{reference}", outcome)),
            ]
        case Life.BANKRUPTCY:
            outcome = HoldOutcome.RESUME if debtor.resolves_for_debtor else HoldOutcome.DISCHARGE
            return [
                LifeEvent(day, "bankruptcy"),
                LifeEvent(end, "send", HoldReleaseInput(outcome=outcome, kind=HoldKind.BANKRUPTCY)),
            ]
        case Life.DEATH:
            died = holds.deceased_hold(f"SIM-RIP-{reference}", date_of_death=start.isoformat())
            return [LifeEvent(day, "send", died), LifeEvent(end, "estate", pays=debtor.resolves_for_debtor)]
    return []


# ---- rates measured from a store's history (`simulate --from-store`) ----

MIN_OBSERVATIONS = 30
"""Below this many observations a measured rate says too little: the default is used instead."""
RIGHT_PARTY_OUTCOMES = (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY)
"""Call outcomes that reached the debtor (a promise on the call is a conversation too)."""


@dataclass(frozen=True)
class HistoryCounts:
    """What a store's history says about its debtors, counted (store/book_history.py)."""

    calls_with_outcome: int = 0
    right_party: int = 0
    wrong_number: int = 0
    promises: int = 0
    promises_judged: int = 0
    promises_kept: int = 0
    accounts: int = 0
    """Accounts with a history (started), the denominator of the shares below."""
    self_cures: int = 0
    """Accounts that paid before any conversation."""
    disputes: int = 0
    bankruptcies: int = 0
    deaths: int = 0


@dataclass(frozen=True)
class MeasuredRate:
    name: str
    rate: float
    observations: int
    measured: bool
    """False: too few observations, `rate` is the default."""


def rates_from_history(
    counts: HistoryCounts, minimum: int = MIN_OBSERVATIONS
) -> tuple[BehaviourRates, list[MeasuredRate]]:
    """BehaviourRates from counts; a rate with fewer than `minimum` observations keeps its default."""
    defaults = BehaviourRates()
    c = counts
    fractions = {
        "right_party": (c.right_party, c.calls_with_outcome),
        "wrong_number": (c.wrong_number, c.calls_with_outcome),
        "promise": (c.promises, c.right_party),
        "promise_kept": (c.promises_kept, c.promises_judged),
        "self_cure": (c.self_cures, c.accounts),
        "dispute": (c.disputes, c.accounts),
        "bankruptcy": (c.bankruptcies, c.accounts),
        "death": (c.deaths, c.accounts),
    }
    found = []
    for name, (part, whole) in fractions.items():
        measured = whole >= minimum
        rate = round(min(1.0, part / whole), 4) if measured else getattr(defaults, name)
        found.append(MeasuredRate(name, rate, whole, measured))
    values = {m.name: m.rate for m in found}
    lives = ("self_cure", "dispute", "bankruptcy", "death")
    if (total := sum(values[n] for n in lives)) > 1:  # one draw decides them: an account with two counts twice
        values |= {n: round(values[n] / total, 4) for n in lives}
    return BehaviourRates(**values), [replace(m, rate=values[m.name]) for m in found]
