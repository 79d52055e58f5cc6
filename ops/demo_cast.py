"""Who does what in the demo: each account's part, the scripted events, and how its calls are answered.

Pure and seeded, so every run shows the same story: accounts that pay, go on a plan, settle with a
supervisor's approval, never answer (and are referred), file for bankruptcy (some discharged), dispute
(some verified and back in collection), talk without deciding, and a later wave still being contacted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from domain.contact import Outcome


class Part(StrEnum):
    PAYS = "pays in full"
    PART_PAYS = "pays in two parts"
    PLAN = "agrees a plan"
    SETTLES = "settles with approval"
    TALKS = "talks, no decision yet"
    UNREACHABLE = "never answers"
    BANKRUPT = "files for bankruptcy"
    DISCHARGED = "bankruptcy discharged"
    DISPUTES = "disputes"
    DISPUTE_VERIFIED = "disputes, debt verified"
    ORDINARY = "answers at random"


DECK = (
    Part.PAYS, Part.PLAN, Part.SETTLES, Part.UNREACHABLE, Part.BANKRUPT, Part.DISCHARGED, Part.DISPUTES,
    Part.DISPUTE_VERIFIED, Part.TALKS, Part.PART_PAYS, Part.PLAN, Part.UNREACHABLE, Part.PAYS, Part.SETTLES,
    Part.PLAN, Part.ORDINARY, Part.UNREACHABLE, Part.ORDINARY, Part.PAYS, Part.ORDINARY,
)  # fmt: skip
"""Dealt in order to the first wave: a small demo still gets one account of each of the first parts."""

SAYS_YES = {Part.PLAN, Part.SETTLES, Part.TALKS}
"""Parts whose debtor picks up the first call (a right-party contact: the account starts negotiating)."""

RANDOM_CALLS = {
    Outcome.RIGHT_PARTY_CONTACT: 0.3,
    Outcome.NO_ANSWER: 0.35,
    Outcome.VOICEMAIL: 0.25,
    Outcome.WRONG_NUMBER: 0.1,
}
SECOND_WAVE_SHARE = 1 / 3
SECOND_WAVE_LEAD_SECONDS = 75.0
"""The second wave starts this long before the end: still in `contacting` when the demo stops (its sixth
attempt without contact, which refers an account, comes about 105 s after its start in the demo strategy)."""


@dataclass(frozen=True)
class Cast:
    parts: dict[str, Part]
    first_wave: list[str]
    second_wave: list[str]
    second_wave_at: float


@dataclass(frozen=True)
class DemoEvent:
    at_seconds: float
    account_id: str
    kind: str
    """payment, dispute, dispute-verified, bankruptcy, discharge."""
    amount_cents: int = 0


def cast(account_ids: list[str], *, seconds: float, seed: int) -> Cast:
    """Deal the parts: the first wave gets the deck in order (shuffled accounts), the second answers at random."""
    accounts = sorted(account_ids)
    random.Random(seed).shuffle(accounts)
    second_count = int(len(accounts) * SECOND_WAVE_SHARE) if len(accounts) >= 6 else 0
    first, second = accounts[: len(accounts) - second_count], accounts[len(accounts) - second_count :]
    parts = {account: DECK[i % len(DECK)] for i, account in enumerate(first)}
    parts.update({account: Part.ORDINARY for account in second})
    return Cast(parts, sorted(first), sorted(second), max(0.0, seconds - SECOND_WAVE_LEAD_SECONDS))


def scripted_events(cast: Cast, balances: dict[str, int], *, seconds: float, seed: int) -> list[DemoEvent]:
    """The events that come on their own (payments, holds), timed inside the first two thirds of the run."""
    rng = random.Random(seed)
    span = max(seconds * 2 / 3, 1.0)
    events: list[DemoEvent] = []
    for account in cast.first_wave:
        part, balance = cast.parts[account], balances.get(account, 0)
        first = rng.uniform(0.1, 0.35) * span
        later = rng.uniform(0.55, 0.9) * span
        match part:
            case Part.PAYS:
                events.append(DemoEvent(first, account, "payment", balance))
            case Part.PART_PAYS:
                share = max(100, balance // 3)
                events += [
                    DemoEvent(first, account, "payment", share),
                    DemoEvent(later, account, "payment", balance - share),
                ]
            case Part.BANKRUPT:
                events.append(DemoEvent(first, account, "bankruptcy"))
            case Part.DISCHARGED:
                events += [DemoEvent(first, account, "bankruptcy"), DemoEvent(later, account, "discharge")]
            case Part.DISPUTES:
                events.append(DemoEvent(first, account, "dispute"))
            case Part.DISPUTE_VERIFIED:
                events += [DemoEvent(first, account, "dispute"), DemoEvent(later, account, "dispute-verified")]
    return sorted(events, key=lambda e: (e.at_seconds, e.account_id))


def call_outcome(part: Part, attempt_no: int, rng: random.Random) -> Outcome:
    """How the account's placed call is answered, as the dialer reports it."""
    if part in SAYS_YES:
        return Outcome.RIGHT_PARTY_CONTACT
    if part == Part.ORDINARY:
        return rng.choices(list(RANDOM_CALLS), weights=list(RANDOM_CALLS.values()))[0]
    return Outcome.VOICEMAIL if attempt_no % 2 else Outcome.NO_ANSWER


def negotiation_part(part: Part, rng: random.Random) -> Part:
    """What a debtor at the table does: the cast's part, or (answering at random) one drawn for them."""
    if part in SAYS_YES:
        return part
    return rng.choices([Part.PLAN, Part.SETTLES, Part.TALKS], weights=[0.5, 0.3, 0.2])[0]
