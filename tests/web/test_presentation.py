"""The pages' wording (web/presentation.py), against the strings the workflows really write."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from domain.cadence import ContactDecision, DecisionKind
from domain.contact import Channel, Rule
from domain.flows.contacting import describe as _describe
from domain.strategy import CadenceStep
from ops.views import local_time
from web import presentation as p
from web import wording as w

CHICAGO = {"timezone": "America/Chicago", "state": "IL", "due_date": date(2026, 10, 28), "currency": "USD"}
PHONE = {"contact_point_id": 7, "kind": "phone", "value": "+13125550101", "role": "debtor", "timezone": None}
EMAIL = {"contact_point_id": 8, "kind": "email", "value": "pat@example.com", "role": "debtor", "timezone": None}
PLAN = {
    "plan_no": 1, "kind": "installments", "total_cents": 106_638, "discount_cents": 0, "status": "active",
    "proposed_by": "debtor", "approved_by": None,
    "installments": [
        {"number": n, "due_date": date(2026, 12, 9 + 30 * (n - 1)) if n == 1 else date(2027, n, 8),
         "amount_cents": 35_546, "paid_cents": 0, "status": "scheduled"}
        for n in (1, 2, 3)
    ],
}  # fmt: skip


def status(**values: Any) -> dict[str, Any]:
    return {"source": "workflow", "stage": "contacting", "currency": "USD", "balance_cents": 106_638,
            "days_past_due": 40, "next_action": None, "next_action_at": None, **values}  # fmt: skip


def test_money_and_codes_read_as_words() -> None:
    assert w.money(123_456) == "$1,234.56" and w.money(None) == "" and w.money(300, "EUR") == "EUR 3.00"
    assert w.words("on_plan") == "on plan" and w.sentence("on_hold") == "On hold" and w.words(None) == ""
    assert w.words(Rule.CALLING_HOURS) == "calling hours" and w.words("right_party_contact") == "right-party contact"
    assert w.utc_time(datetime(2026, 12, 7, 14, 5, 59, tzinfo=UTC)) == "2026-12-07 14:05 UTC"
    assert w.zone_time("2026-12-07T15:14:00Z", "America/Chicago") == "2026-12-07 09:14 America/Chicago"
    assert w.relative_day("2026-12-10", date(2026, 12, 7)) == "in 3 days"


def test_an_attempt_shows_its_local_time_with_the_zone_the_store_wrote_it_in() -> None:
    assert local_time("2026-12-07T09:14:00-06:00", "America/Chicago") == "2026-12-07 09:14 America/Chicago"
    # the zone no longer agrees with the recorded offset (the point moved): the offset is named instead
    assert local_time("2026-12-07T10:14:00-05:00", "America/Chicago") == "2026-12-07 10:14 UTC-05:00"
    assert local_time("2026-12-07T15:14:00+00:00", None) == "2026-12-07 15:14 UTC"
    attempt = SimpleNamespace(
        account_id="C1", attempt_no=1, channel=Channel.CALL, template="first_call", status="blocked", outcome=None,
        rule=Rule.CALLING_HOURS, at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC), local_at="2026-12-06T21:00:00-06:00",
        contact_point_id=7,
    )  # fmt: skip
    [row] = p.attempt_rows([attempt], {("C1", 1): "America/Chicago"})
    assert row == {
        "attempt": "1", "channel": "call", "template": "first call", "local_time": "2026-12-06 21:00 America/Chicago",
        "utc_time": "2026-12-07 03:00 UTC", "status": "blocked", "outcome": "", "rule": "calling hours",
    }  # fmt: skip


def test_the_next_installment_reads_as_the_supervisor_says_it() -> None:
    on_plan = status(
        stage="on_plan", next_action="installment 1: 35546 cents by 2026-12-09", plan="#1 installments of 3",
        next_installment_due="2026-12-09", next_installment_cents=35_546,
        next_action_at=datetime(2026, 12, 15, 0, 0, tzinfo=UTC),
    )  # fmt: skip
    said = p.next_action(on_plan, account=CHICAGO, points=[PHONE], plans=[PLAN])
    assert said == "installment 1 of 3, $355.46 due 2026-12-09"
    # the store has not recorded the plan yet: the workflow's own words give the number and the count
    assert p.next_action(on_plan, account=CHICAGO, points=[PHONE]) == "installment 1 of 3, $355.46 due 2026-12-09"
    rows = dict((label, value) for _, label, value in p.status_rows(
        on_plan, account=CHICAGO, points=[PHONE], plans=[PLAN], today=date(2026, 12, 7)))  # fmt: skip
    assert rows["Plan"] == "#1: 3 installments, $1,066.38 in all"
    assert rows["Next review"] == "2026-12-14 18:00 America/Chicago"
    assert "cents" not in " ".join(rows.values())


@pytest.mark.parametrize(
    ("decision", "at", "said"),
    [
        (ContactDecision(DecisionKind.WAIT, CadenceStep(Channel.LETTER, "validation_notice", 0)),
         datetime(2026, 12, 7, 15, 0, tzinfo=UTC), "letter: validation notice due 2026-12-07 09:00 America/Chicago"),
        (ContactDecision(DecisionKind.WAIT, CadenceStep(Channel.CALL, "first_call", 0), rule=Rule.CALLING_HOURS),
         datetime(2026, 12, 8, 14, 0, tzinfo=UTC),
         "call (first call) held back by the calling hours rule; next call allowed 2026-12-08 08:00 America/Chicago"),
        (ContactDecision(DecisionKind.HALT), None, "no contact: the debtor asked to cease communication"),
    ],
    ids=["letter", "held-call", "halt"],
)  # fmt: skip
def test_the_next_contact_says_what_and_when_on_the_debtors_clock(
    decision: ContactDecision, at: datetime | None, said: str
) -> None:
    described = status(next_action=_describe(decision), next_action_at=at)  # the workflow's own words
    assert p.next_action(described, account=CHICAGO, points=[PHONE, EMAIL]) == said


def test_no_internal_field_reaches_the_status_table() -> None:
    on_hold = status(
        stage="on_hold", hold="bankruptcy: chapter 7", holds=["bankruptcy:BK-1"], resume_stage="contacting",
        next_action="wait for the hold to end", generation=3, attempts_count=2, payments_count=1,
        collected_cents=1_234, strategy="default 2026-11-23", validation_period_end="2027-01-13",
        forgiven_cents=0, placements_made=0,
    )  # fmt: skip
    holds = [{"kind": "bankruptcy", "placed_at": datetime(2026, 12, 1, tzinfo=UTC), "released_at": None}]
    rows = p.status_rows(on_hold, account=CHICAGO, points=[PHONE], holds=holds, today=date(2026, 12, 7))
    shown = {label: value for _, label, value in rows}
    assert shown["Stage"] == "On hold" and shown["Hold"] == "Bankruptcy: chapter 7 (since 2026-12-01)"
    assert shown["Next action"] == "wait for the hold to end; collection then resumes at contacting"
    assert shown["Payments"] == "1 payment, $12.34 collected" and shown["Strategy"] == "default, version 2026-11-23"
    text = " ".join(f"{label} {value}" for label, value in shown.items()).lower()
    for internal in ("resume stage", "generation", "cents", "_", "bk-1"):
        assert internal not in text


def test_timeline_lines_say_what_happened() -> None:
    assert p.timeline_text("stage none -> contacting (workflow started)") == "collection began at contacting"
    assert p.timeline_text("stage contacting -> on_plan (stage)") == "stage contacting → on plan"
    assert (
        p.timeline_text("stage on_plan -> on_hold (hold: bankruptcy)") == "stage on plan → on hold (hold: bankruptcy)"
    )
    assert p.timeline_text("update propose_plan accepted") == "proposal made"
    assert p.timeline_text("signal payment") == "payment received"
    assert p.timeline_text("needs attention: offer") == "waiting for a person: an offer to make"
    assert p.timeline_text("timer fired: review") == "timer fired: review"


def test_period_headings_and_collections_by_channel() -> None:
    this_month = {
        "from": "2026-12-01",
        "to": "2026-12-07",
        "collected_by_channel": {"call": {"payments": 2, "amount_cents": 4_567, "commission_cents": 0}},
    }
    last_month = {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "collected_by_channel": {"none": {"payments": 1, "amount_cents": 1_234, "commission_cents": 0}},
    }
    assert p.period_span(this_month) == "1–7 Dec 2026" and p.period_span(last_month) == "1–30 Nov 2026"
    rows = p.channel_rows([this_month, last_month], "collected_by_channel")
    assert rows == [
        {"label": "call", "cells": [{"amount": "$45.67", "detail": "2 payments"}, {"amount": "$0.00", "detail": ""}]},
        {"label": "no contact before",
         "cells": [{"amount": "$0.00", "detail": ""}, {"amount": "$12.34", "detail": "1 payment"}]},
    ]  # fmt: skip


def test_the_desk_shows_the_debtors_time_now_in_their_zone() -> None:
    now = datetime(2026, 12, 7, 17, 5, tzinfo=UTC)
    assert p.local_clock("America/Chicago", now) == "Monday 11:05 there"
    assert p.local_clock("Pacific/Honolulu", now) == "Monday 07:05 there"
    assert p.local_clock("not/a zone", now) == ""


def test_an_installment_of_a_plan_no_longer_in_force_is_not_due() -> None:
    scheduled = {"status": "scheduled"}
    assert p.installment_status({"status": "active"}, scheduled) == "scheduled"
    assert p.installment_status({"status": "cancelled"}, scheduled) == "not due: plan cancelled"
    assert p.installment_status({"status": "cancelled"}, {"status": "paid"}) == "paid"
