"""The contact cadence: what to do next for an account, as a pure function of its state and `now`.

Every contact the cadence proposes goes through the compliance gate (domain.compliance) first;
the answer is one decision: send now, wait until a time, skip a step the gate refuses, or stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from domain.compliance import (
    AccountContactFacts,
    ComplianceProfile,
    ContactRequest,
    earliest_allowed,
    validation_notice_due,
)
from domain.contact import (
    CHANNEL_POINT_KIND,
    CONVERSATION_OUTCOMES,
    Channel,
    ContactPoint,
    ContactRecord,
    Outcome,
    Rule,
)
from domain.contact_messages import ContactSnapshot
from domain.rule_packs import WRITTEN_CHANNELS, account_profile
from domain.stages import Stage
from domain.strategy import CadenceStep, ComplianceSettings, ContactPlan

PLAN_REMINDER_TEMPLATE = "plan_reminder"
VALIDATION_NOTICE_STEP = CadenceStep(
    channel=Channel.LETTER, template="validation_notice", after_seconds=0, validation_notice=True
)
HISTORY_KEPT = 200
"""Contact records kept in workflow state (the gate needs 7 days; the store keeps them all)."""


class DecisionKind(StrEnum):
    SEND = "send"
    WAIT = "wait"
    SKIP = "skip"
    HALT = "halt"
    DONE = "done"


@dataclass
class ContactProgress:
    """Where an account is in its cadence and what the gate must know; part of the workflow state."""

    step_index: int = 0
    repeats_done: int = 0
    last_step_at: datetime | None = None
    attempt_seq: int = 0
    attempts_without_contact: int = 0
    right_party_contact_at: datetime | None = None
    validation_notice_sent_at: datetime | None = None
    validation_period_end: str | None = None
    history: list[ContactRecord] = field(default_factory=list)
    blocked_marker: str | None = None
    held_days: int = 0
    """Days the account spent on hold: not counted toward the days-past-due referral threshold."""
    inbound_ids: list[str] = field(default_factory=list)
    """The latest inbound contacts' ids (record_inbound): one delivered twice is recorded once."""


@dataclass(frozen=True)
class ContactDecision:
    kind: DecisionKind
    step: CadenceStep | None = None
    point: ContactPoint | None = None
    at: datetime | None = None
    rule: Rule | None = None

    @property
    def marker(self) -> str:
        """Identifies a blocked step so it is recorded once, not at every re-evaluation."""
        return f"{self.step}:{self.point.point_id if self.point else None}:{self.rule}"


def compliance_profile(settings: ComplianceSettings) -> ComplianceProfile:
    return settings.as_profile()


def step_due_at(
    plan: ContactPlan, progress: ContactProgress, *, started_at: datetime, due_date: str
) -> datetime | None:
    """When the current cadence step is due, or None when the cadence is exhausted."""
    if progress.step_index >= len(plan.cadence):
        return None
    step = plan.cadence[progress.step_index]
    if progress.repeats_done > 0 and progress.last_step_at is not None:
        return progress.last_step_at + timedelta(seconds=step.every_seconds)
    anchors = {
        "start": started_at,
        "previous": progress.last_step_at or started_at,
        "due_date": datetime.combine(date.fromisoformat(due_date), time(), tzinfo=UTC),
    }
    return anchors[step.anchor] + timedelta(seconds=step.after_seconds)


def standing_facts(snapshot: ContactSnapshot) -> AccountContactFacts:
    """The account's standing instructions, without its history (what the send-time check needs)."""
    return contact_facts(snapshot, ContactProgress())


def contact_facts(snapshot: ContactSnapshot, progress: ContactProgress) -> AccountContactFacts:
    return AccountContactFacts(
        cease_communication=snapshot.cease_communication,
        attorney_point_ids=frozenset(snapshot.attorney_point_ids),
        attorney_allows_direct_contact=snapshot.attorney_allows_direct_contact,
        validation_notice_sent_at=progress.validation_notice_sent_at,
        history=progress.history,
    )


def decide_contact(
    plan: ContactPlan,
    progress: ContactProgress,
    snapshot: ContactSnapshot,
    *,
    started_at: datetime,
    due_date: str,
    now: datetime,
) -> ContactDecision:
    """The next thing to do in the cadence, every candidate contact cleared by the gate first."""
    if snapshot.cease_communication:
        return ContactDecision(DecisionKind.HALT, rule=Rule.CEASE_COMMUNICATION)
    due_at = step_due_at(plan, progress, started_at=started_at, due_date=due_date)
    if due_at is None:
        return ContactDecision(DecisionKind.DONE)
    step = plan.cadence[progress.step_index]
    notice = overdue_notice(plan, progress, snapshot)
    if notice is not None and notice != step:
        out_of_turn = clear_step(plan, progress, snapshot, notice, now)
        if out_of_turn.kind != DecisionKind.SKIP or not _refused_before(progress, out_of_turn):
            return out_of_turn
    if now < due_at:
        return ContactDecision(DecisionKind.WAIT, step=step, at=due_at)
    return clear_step(plan, progress, snapshot, step, now)


def _refused_before(progress: ContactProgress, decision: ContactDecision) -> bool:
    """A notice the gate refused for this reason once: recorded once, the cadence goes on meanwhile."""
    return any(not r.sent and r.validation_notice and r.rule == decision.rule for r in progress.history)


def overdue_notice(plan: ContactPlan, progress: ContactProgress, snapshot: ContactSnapshot) -> CadenceStep | None:
    """The validation notice, now, when another communication with the consumer came first (a call
    the strategy placed first, a conversation the consumer started): it must follow within five
    business days (1006.34(a)(1)(i)(B)). The cadence's own notice step, else a plain notice letter."""
    if validation_notice_due(contact_facts(snapshot, progress)) is None:
        return None
    ahead = plan.cadence[progress.step_index :]
    return next((s for s in ahead if s.validation_notice), None) or VALIDATION_NOTICE_STEP


def pass_sent_notice(plan: ContactPlan, progress: ContactProgress) -> None:
    """A validation-notice step is passed over once the notice went out another way (before a verification letter)."""
    while (
        progress.validation_notice_sent_at is not None
        and progress.step_index < len(plan.cadence)
        and plan.cadence[progress.step_index].validation_notice
    ):
        progress.step_index += 1
        progress.repeats_done = 0


def clear_step(
    plan: ContactPlan, progress: ContactProgress, snapshot: ContactSnapshot, step: CadenceStep, now: datetime
) -> ContactDecision:
    """Ask the gate about each point of the step's channel: send on the first it allows, else wait or skip."""
    if step.channel in WRITTEN_CHANNELS and snapshot.licence_missing:  # Civ. Code 1788.11(f)
        return ContactDecision(DecisionKind.SKIP, step=step, rule=Rule.LICENSE_NUMBER_MISSING)
    kind = CHANNEL_POINT_KIND[step.channel]
    points = [p for p in snapshot.points if p.kind == kind]
    if not points:
        return ContactDecision(DecisionKind.SKIP, step=step, rule=Rule.BAD_CONTACT_POINT)
    facts = contact_facts(snapshot, progress)
    profile = account_profile(compliance_profile(plan.compliance), snapshot.jurisdictions)  # the rule packs tighten
    answers = [
        (
            point,
            earliest_allowed(
                ContactRequest(step.channel, point, step.autodialed, step.validation_notice, step.purpose),
                facts,
                profile,
                now,
            ),
        )
        for point in points
    ]
    for point, answer in answers:
        if answer.allowed_now:
            return ContactDecision(DecisionKind.SEND, step=step, point=point, at=now)
    waiting = [(answer.allowed_at, point, answer.rule) for point, answer in answers if answer.allowed_at is not None]
    if waiting:
        at, point, rule = min(waiting, key=lambda w: w[0])
        return ContactDecision(DecisionKind.WAIT, step=step, point=point, at=at, rule=rule)
    point, answer = answers[0]
    return ContactDecision(DecisionKind.SKIP, step=step, point=point, rule=answer.rule)


def next_attempt_no(progress: ContactProgress) -> int:
    progress.attempt_seq += 1
    return progress.attempt_seq


def _remember(progress: ContactProgress, record: ContactRecord) -> None:
    progress.history.append(record)
    del progress.history[:-HISTORY_KEPT]


def _advance(plan: ContactPlan, progress: ContactProgress, at: datetime, done: CadenceStep) -> None:
    """Count `done` as one more of the current step; a step sent out of turn (an overdue notice) is not."""
    step = plan.cadence[progress.step_index]
    if done != step:
        return
    progress.repeats_done += 1
    progress.last_step_at = at
    if progress.repeats_done >= step.repeat:
        progress.step_index += 1
        progress.repeats_done = 0


def record_sent(
    plan: ContactPlan, progress: ContactProgress, decision: ContactDecision, *, attempt_no: int, at: datetime
) -> None:
    remember_sent(progress, decision, attempt_no=attempt_no, at=at)
    progress.attempts_without_contact += 1
    assert decision.step is not None
    _advance(plan, progress, at, decision.step)


def remember_sent(progress: ContactProgress, decision: ContactDecision, *, attempt_no: int, at: datetime) -> None:
    """A contact that went out, cadence step or not: the gate counts it from now on."""
    assert decision.step is not None and decision.point is not None
    _remember(
        progress,
        ContactRecord(
            attempt_no, decision.step.channel, decision.point.point_id, at, sent=True,
            validation_notice=decision.step.validation_notice, purpose=decision.step.purpose,
        ),
    )  # fmt: skip
    if decision.step.validation_notice and progress.validation_notice_sent_at is None:
        progress.validation_notice_sent_at = at
    progress.blocked_marker = None


def record_blocked(
    plan: ContactPlan, progress: ContactProgress, decision: ContactDecision, *, attempt_no: int, at: datetime
) -> None:
    """A step the gate delayed (recorded once) or refused (the step is skipped)."""
    remember_blocked(progress, decision, attempt_no=attempt_no, at=at)
    if decision.kind == DecisionKind.SKIP:
        assert decision.step is not None
        _advance(plan, progress, at, decision.step)


def remember_blocked(progress: ContactProgress, decision: ContactDecision, *, attempt_no: int, at: datetime) -> None:
    assert decision.step is not None
    point_id = decision.point.point_id if decision.point else 0
    _remember(
        progress,
        ContactRecord(
            attempt_no, decision.step.channel, point_id, at, sent=False, rule=decision.rule,
            validation_notice=decision.step.validation_notice,
        ),
    )  # fmt: skip
    progress.blocked_marker = decision.marker


def decide_reminder(
    plan: ContactPlan,
    progress: ContactProgress,
    snapshot: ContactSnapshot,
    channels: tuple[str, ...],
    now: datetime,
    *,
    useful_until: datetime,
) -> ContactDecision:
    """A plan reminder on the first of `channels` the gate allows now or later (before `useful_until`); else a skip."""
    if snapshot.cease_communication:
        return ContactDecision(DecisionKind.HALT, rule=Rule.CEASE_COMMUNICATION)
    refused: list[ContactDecision] = []
    for channel in channels:
        decision = clear_step(plan, progress, snapshot, reminder_step(Channel(channel)), now)
        if decision.kind == DecisionKind.SEND or (
            decision.kind == DecisionKind.WAIT and decision.at is not None and decision.at < useful_until
        ):
            return decision
        refused.append(replace(decision, kind=DecisionKind.SKIP))
    return refused[0] if refused else ContactDecision(DecisionKind.SKIP, rule=Rule.BAD_CONTACT_POINT)


def reminder_step(channel: Channel) -> CadenceStep:
    """The one-off contact that reminds a debtor of a missed installment (not a step of the cadence)."""
    return CadenceStep(channel=channel, template=PLAN_REMINDER_TEMPLATE, after_seconds=0)


def needs_blocked_record(progress: ContactProgress, decision: ContactDecision) -> bool:
    if decision.kind == DecisionKind.SKIP:
        return True
    return (
        decision.kind == DecisionKind.WAIT and decision.rule is not None and progress.blocked_marker != decision.marker
    )


def apply_outcome(
    progress: ContactProgress, snapshot: ContactSnapshot, *, attempt_no: int, outcome: Outcome, at: datetime
) -> ContactRecord | None:
    """Attach an outcome to an attempt; a right-party contact or a wrong number changes what follows."""
    record = next(
        (r for r in progress.history if r.attempt_no == attempt_no and r.sent and not r.placed_by_staff), None
    )
    if record is None:
        return None
    record.outcome = outcome
    if outcome in (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY) and progress.right_party_contact_at is None:
        progress.right_party_contact_at = at
    if outcome in CONVERSATION_OUTCOMES:
        progress.attempts_without_contact = 0
    if outcome == Outcome.WRONG_NUMBER:
        for point in snapshot.points:
            if point.point_id == record.point_id:
                point.bad = True
    return record


def record_inbound(
    progress: ContactProgress,
    *,
    inbound_id: str,
    channel: Channel,
    outcome: Outcome,
    at: datetime,
    point_id: int | None = None,
    consent_to_calls: bool = False,
    outbound: bool = False,
) -> ContactRecord | None:
    """A contact the consumer started (or, `outbound`, a call a collector placed by hand: a placed call
    the gate counts), remembered under the next attempt number; None if `inbound_id` was recorded already.
    A telephone conversation starts the quiet period like one the collector placed (1006.14(b)(2)(i)(B):
    whoever placed the call); consent to calls lifts the call limits for 7 days (1006.14(b)(3)(i)); a
    conversation resets the attempts without contact and a right-party
    contact moves the account on, as `apply_outcome` does for an attempt."""
    if inbound_id in progress.inbound_ids:
        return None
    progress.inbound_ids.append(inbound_id)
    del progress.inbound_ids[:-HISTORY_KEPT]
    record = ContactRecord(
        next_attempt_no(progress), channel, point_id or 0, at, sent=outbound, outcome=outcome, inbound=not outbound,
        consent_to_calls=consent_to_calls, placed_by_staff=outbound,
    )  # fmt: skip
    _remember(progress, record)
    if outcome in (Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY) and progress.right_party_contact_at is None:
        progress.right_party_contact_at = at
    if outcome in CONVERSATION_OUTCOMES:
        progress.attempts_without_contact = 0
    return record


def referral_due_at(plan: ContactPlan, progress: ContactProgress, due_date: str) -> datetime | None:
    """When days past due (less the days on hold) reach the referral threshold, if the strategy has one."""
    days = plan.exit.referral_days_past_due
    if days is None:
        return None
    start = datetime.combine(date.fromisoformat(due_date), time(), tzinfo=UTC)
    return start + timedelta(days=days + progress.held_days)


def exit_stage(plan: ContactPlan, progress: ContactProgress, *, due_date: str, now: datetime) -> Stage | None:
    """The stage the account leaves `contacting` for, if a threshold has been passed."""
    if progress.right_party_contact_at is not None:
        return plan.exit.right_party_contact
    referral_at = referral_due_at(plan, progress, due_date)
    if referral_at is not None and now >= referral_at:
        return Stage.REFERRED
    limit = plan.exit.referral_attempts_without_contact
    if limit is not None and progress.attempts_without_contact >= limit:
        return Stage.REFERRED
    if plan.exit.refer_when_cadence_ends and progress.step_index >= len(plan.cadence):
        return Stage.REFERRED
    return None
