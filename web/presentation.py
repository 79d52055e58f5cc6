"""What the supervisor's pages show: the account page (next action, status, attempts, points, timeline,
plans) and the dashboard's tables, times in the debtor's zone; the words themselves are web/wording.py.

Pure functions over what the ops layer hands out (`ops.account_view.account_picture`, `ops.views`,
`ops.reports`): nothing here reads the store or Temporal. Whatever is not recognised is shown as it
came, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.contact import CHANNEL_POINT_KIND
from domain.contact_updates import point_facts, point_marks
from domain.disclosure import disclose_point, disclose_status
from domain.timezones import KnownPoint
from domain.timezones import point_zones as zones_of
from ops.views import local_time
from web.wording import ACTIONS, QUEUE_REASONS, day, money, plural, relative_day, sentence, utc_time, words, zone_time

_CONTACT_STEP = re.compile(r"^(?P<channel>letter|email|sms|call) \((?P<template>[^)]*)\)(?:, held by (?P<rule>\w+))?$")
_INSTALLMENT = re.compile(r"^installment (?P<number>\d+)\b")
_PLAN_OF = re.compile(r"^#(?P<plan_no>\d+) (?P<kind>\w+) of (?P<count>\d+)$")
_REMINDER = re.compile(r"^reminder of installment (?P<number>\d+) \((?P<channel>\w*)\)$")
_STAGE_CHANGE = re.compile(r"^stage (?P<from>\w+) -> (?P<to>\w+) \((?P<reason>.*)\)$")
_SIGNAL = re.compile(r"^signal (?P<name>\w+)$")
_UPDATE = re.compile(r"^update (?P<name>\w+) accepted$")
_ATTENTION = re.compile(r"^needs attention: (?P<reasons>.+)$")


# ---- where the debtor is ----


def point_zones(
    account: Mapping[str, Any], point: Mapping[str, Any] | None, points: Sequence[Mapping[str, Any]]
) -> tuple[str, ...]:
    """Where the person reached at `point` may be (the debtor, without a point): the gate's own rule,
    `domain.timezones.point_zones`, over the account's address and all its `points` as recorded (1006.6(b)(1)(i))."""
    return zones_of(
        None if point is None else _known_point(point),
        points=[_known_point(p) for p in points],
        address_zone=account.get("timezone"),
        state=account.get("state"),
    )


def _known_point(point: Mapping[str, Any]) -> KnownPoint:
    return KnownPoint(
        kind=str(point.get("kind") or ""),
        value=str(point.get("value") or ""),
        role=str(point.get("role") or "debtor"),
        zone=point.get("timezone"),
        bad=bool(point.get("bad")),
    )


def debtor_zone(account: Mapping[str, Any], points: Sequence[Mapping[str, Any]], channel: str | None = None) -> str:
    """The zone to show the debtor's times in: the first usable point's of the channel's kind, else the address's."""
    kind = {str(c): k for c, k in CHANNEL_POINT_KIND.items()}.get(channel or "")
    usable = [p for p in points if p.get("role") == "debtor" and not p.get("bad") and not p.get("opted_out")]
    point = next((p for p in usable if p.get("kind") == kind), None) if kind else None
    return point_zones(account, point, points)[0]


def local_clock(zone: str, now: datetime) -> str:
    """The debtor's time now, as the desk shows it beside their name: 'Monday 11:40 there'."""
    try:
        there = now.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return f"{there:%A} {there:%H:%M} there"


# ---- the account page ----


def active_plan(plans: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    active = [plan for plan in plans if str(plan.get("status")) == "active"]
    return active[-1] if active else None


def installment_due(status: Mapping[str, Any], plans: Sequence[Mapping[str, Any]]) -> str | None:
    """'installment 1 of 3, $355.46 due 2026-12-09', or None without an installment to pay."""
    due, cents = status.get("next_installment_due"), status.get("next_installment_cents")
    if due is None or cents is None:
        return None
    currency = status.get("currency") or "USD"
    number: int | None = None
    count: int | None = None
    plan = active_plan(plans)
    if plan is not None and plan.get("installments"):
        installments = plan["installments"]
        unpaid = [i for i in installments if i["paid_cents"] < i["amount_cents"]]
        number, count = (unpaid[0]["number"] if unpaid else None), len(installments)
    if number is None and (found := _INSTALLMENT.match(status.get("next_action") or "")):
        number = int(found["number"])
    if count is None and (found := _PLAN_OF.match(status.get("plan") or "")):
        count = int(found["count"])
    which = "next installment" if number is None else f"installment {number}" + (f" of {count}" if count else "")
    return f"{which}, {money(cents, currency)} due {day(due)}"


def next_action(
    status: Mapping[str, Any],
    *,
    account: Mapping[str, Any],
    points: Sequence[Mapping[str, Any]],
    plans: Sequence[Mapping[str, Any]] = (),
    promises: Sequence[Mapping[str, Any]] = (),
) -> str:
    """What happens next to the account, in words, with its time in the debtor's zone where it has one."""
    action: str = status.get("next_action") or ""
    at = status.get("next_action_at")
    stage = str(status.get("stage") or "")
    currency = status.get("currency") or "USD"
    if status.get("source") == "store":
        return _ended_or_not_started(status)
    if stage == "on_plan" and (due := installment_due(status, plans)):
        if (reminder := _REMINDER.match(action)) and at:
            channel = reminder["channel"] or None
            by = f" by {words(channel)}" if channel else ""
            return f"{due}: a reminder{by} {zone_time(at, debtor_zone(account, points, channel))}"
        return due
    if step := _CONTACT_STEP.match(action):
        channel, template, rule = step["channel"], words(step["template"]), step["rule"]
        when = zone_time(at, debtor_zone(account, points, channel)) if at else "now"
        if rule:
            noun = "text message" if channel == "sms" else channel
            return f"{words(channel)} ({template}) held back by the {words(rule)} rule; next {noun} allowed {when}"
        return f"{words(channel)}: {template} due {when}"
    if action == "watch the promise to pay":
        open_promises = [p for p in promises if str(p.get("status")) == "open"]
        if open_promises:
            promise = open_promises[-1]
            return f"promise to pay {money(promise['amount_cents'], currency)} by {day(promise['due_date'])}"
    if action == "wait for the hold to end":
        resume = status.get("resume_stage")
        return "wait for the hold to end" + (f"; collection then resumes at {words(resume)}" if resume else "")
    return action


def _ended_or_not_started(status: Mapping[str, Any]) -> str:
    workflow = status.get("workflow_status")
    if str(status.get("stage")) == "not_started" or workflow is None:
        return "start collection (no workflow yet)"
    if workflow in ("completed", "terminated", "failed", "timed_out", "canceled", "cancelled"):
        return f"nothing: the account has ended ({words(status.get('stage'))})"
    return f"check the workflow: {workflow}"


def status_rows(
    status: Mapping[str, Any],
    *,
    account: Mapping[str, Any],
    points: Sequence[Mapping[str, Any]],
    plans: Sequence[Mapping[str, Any]] = (),
    promises: Sequence[Mapping[str, Any]] = (),
    holds: Sequence[Mapping[str, Any]] = (),
    today: date,
) -> list[tuple[str, str, str]]:
    """The status table: (row id, label, value), only the rows that say something about this account."""
    currency = status.get("currency") or "USD"
    rows: list[tuple[str, str, str]] = [("stage", "Stage", sentence(status.get("stage")))]
    if status.get("hold"):
        kind, _, reason = str(status["hold"]).partition(": ")
        open_holds = [h for h in holds if h.get("kind") == kind and not h.get("released_at")]
        since = open_holds[-1]["placed_at"] if open_holds else None
        rows.append(("hold", "Hold", f"{sentence(kind)}: {reason}" + (f" (since {day(since)})" if since else "")))
    rows.append(("balance", "Balance", money(status.get("balance_cents"), currency)))
    due = account.get("due_date")
    past_due = plural(int(status.get("days_past_due") or 0), "day")
    rows.append(("past-due", "Past due", past_due + (f" (due {day(due)})" if due else "")))
    rows.append(("next-action", "Next action", next_action(status, account=account, points=points, plans=plans,
                                                             promises=promises)))  # fmt: skip
    at = status.get("next_action_at")
    if at and status.get("stage") != "contacting" and not _REMINDER.match(status.get("next_action") or ""):
        rows.append(("next-review", "Next review", zone_time(at, debtor_zone(account, points))))
    if status.get("pending_approval"):
        rows.append(("approval", "Waiting for approval", str(status["pending_approval"])))
    plan = active_plan(plans)
    if plan is not None:
        rows.append(("plan", "Plan", plan_title(plan, currency)))
    elif status.get("plan"):
        rows.append(("plan", "Plan", str(status["plan"])))
    if status.get("installments_missed"):
        rows.append(("missed", "Installments missed", str(status["installments_missed"])))
    kept, broken = status.get("promises_kept") or 0, status.get("promises_broken") or 0
    if kept or broken:
        rows.append(("promises", "Promises to pay", f"{kept} kept, {broken} broken"))
    payments = int(status.get("payments_count") or 0)
    collected = status.get("collected_cents")
    if payments and collected is not None:
        rows.append(("payments", "Payments", f"{plural(payments, 'payment')}, {money(collected, currency)} collected"))
    else:
        rows.append(("payments", "Payments", plural(payments, "payment") if payments else "none yet"))
    if status.get("forgiven_cents"):
        rows.append(("forgiven", "Forgiven by settlement", money(status["forgiven_cents"], currency)))
    if status.get("written_off_cents"):
        rows.append(("written-off", "Written off", money(status["written_off_cents"], currency)))
    if "attempts_count" in status:
        rows.append(("contacts", "Contacts we made", str(status["attempts_count"])))
    if status.get("validation_period_end"):
        end = status["validation_period_end"]
        rows.append(("validation", "Validation period ends", f"{day(end)} ({relative_day(end, today)})"))
    if status.get("placement"):
        rows.append(("placement", "Placed with an agency", str(status["placement"])))
    if status.get("strategy"):
        name, _, version = str(status["strategy"]).rpartition(" ")
        rows.append(("strategy", "Strategy", f"{name}, version {version}" if name else version))
    if status.get("source") == "store":
        workflow = status.get("workflow_status")
        rows.append(("workflow", "Workflow", "not started" if workflow is None else words(workflow)))
    return rows


def attempt_rows(attempts: Iterable[Any], zones: Mapping[tuple[str, int], str]) -> list[dict[str, str]]:
    """The account's contact attempts (store `AttemptView`s) for people: local times in the zone the store
    recorded them in (`repository.attempt_zones`), codes in words."""
    rows = []
    for attempt in attempts:
        blocked = str(attempt.status) == "blocked"
        rows.append({
            "attempt": str(attempt.attempt_no),
            "channel": ("inbound " if getattr(attempt, "inbound", False) else "") + words(attempt.channel),
            "template": words(attempt.template) if attempt.template else "",
            "local_time": local_time(attempt.local_at, zones.get((attempt.account_id, attempt.attempt_no))),
            "utc_time": utc_time(attempt.at),
            "status": "blocked" if blocked else words(attempt.status),
            "outcome": words(attempt.outcome),
            "rule": words(attempt.rule),
        })  # fmt: skip
    return rows


def point_rows(account: Mapping[str, Any], points: Sequence[Mapping[str, Any]], role: str) -> list[dict[str, str]]:
    """The contact points as `role` may see them (`domain.disclosure`); zones from the points as recorded."""
    rows = []
    for recorded in points:
        point = disclose_point(recorded, role)
        if point is None:
            continue
        rows.append({
            "number": f"#{point['contact_point_id']}" if point.get("contact_point_id") else "",
            "facts": point_facts(point),
            "kind": words(point.get("kind")),
            "value": str(point.get("value") or ""),
            "role": words(point.get("role")) + (f" ({point['label']})" if point.get("label") else ""),
            "zone": " or ".join(point_zones(account, recorded, points)),
            "flags": "; ".join(point_marks(point)),
        })  # fmt: skip
    return rows


def timeline_text(what: str) -> str:
    """A timeline line (`ops.account_view.timeline`) in words: stages, signals and updates named as people say them."""
    if change := _STAGE_CHANGE.match(what):
        reason = change["reason"]
        reason = "" if reason in ("stage", "") else f" ({reason})"
        if change["from"] == "none":
            return f"collection began at {words(change['to'])}" + ("" if reason == " (workflow started)" else reason)
        return f"stage {words(change['from'])} → {words(change['to'])}{reason}"
    if signal := _SIGNAL.match(what):
        return ACTIONS.get(signal["name"], words(signal["name"]))
    if update := _UPDATE.match(what):
        return ACTIONS.get(update["name"], words(update["name"]))
    if attention := _ATTENTION.match(what):
        reasons = [QUEUE_REASONS.get(r.strip(), words(r.strip())) for r in attention["reasons"].split(",")]
        return "waiting for a person: " + ", ".join(reasons)
    if what == "needs no attention":
        return "no longer waiting for a person"
    return what


def plan_title(plan: Mapping[str, Any], currency: str = "USD") -> str:
    """'#1: 3 installments, $200.00 in all', '#2: settlement of $160.00 ($40.00 forgiven)', '#1: pay in full, $6.00'."""
    count, total = len(plan.get("installments") or []), money(plan["total_cents"], currency)
    kind = str(plan["kind"])
    if kind == "installments":
        said = f"{count} installments, {total} in all"
    elif kind == "settlement":
        said = f"settlement of {total}" + (f" in {count} installments" if count > 1 else "")
    else:
        said = f"{words(kind)}, {total}"
    forgiven = plan.get("discount_cents")
    return f"#{plan['plan_no']}: {said}" + (f" ({money(forgiven, currency)} forgiven)" if forgiven else "")


def installment_status(plan: Mapping[str, Any], installment: Mapping[str, Any]) -> str:
    """An installment's status in words; one still scheduled on a plan no longer in force is not due."""
    if installment["status"] == "scheduled" and plan.get("status") not in ("active", None):
        return f"not due: plan {words(plan.get('status'))}"
    return words(installment["status"])


def plan_rows(plans: Sequence[Mapping[str, Any]], currency: str = "USD") -> list[dict[str, Any]]:
    """Each plan with its installments, newest first."""
    shown = []
    for plan in reversed(plans):
        installments = plan.get("installments") or []
        shown.append({
            "title": plan_title(plan, currency),
            "status": words(plan.get("status")),
            "by": f"proposed by {plan.get('proposed_by')}"
                  + (f", approved by {plan['approved_by']}" if plan.get("approved_by") else ""),
            "installments": [
                {
                    "label": f"{i['number']} of {len(installments)}",
                    "due": day(i["due_date"]),
                    "amount": money(i["amount_cents"], currency),
                    "paid": money(i["paid_cents"], currency),
                    "status": installment_status(plan, i),
                }
                for i in installments
            ],
        })  # fmt: skip
    return shown


def account_page(
    picture: Mapping[str, Any], attempts: Iterable[Any], zones: Mapping[tuple[str, int], str], *, today: date,
    role: str,
) -> dict[str, Any]:  # fmt: skip
    """What the account page shows `role`, from `account_picture` (as recorded) and the account's store attempts."""
    account, points = picture["account"], picture["contact_points"]
    status = disclose_status(picture["status"], role)
    plans, promises, holds = picture.get("plans", []), picture.get("promises", []), picture.get("holds", [])
    return {
        "currency": status.get("currency") or account.get("currency") or "USD",
        "status_rows": status_rows(
            status, account=account, points=points, plans=plans, promises=promises, holds=holds, today=today
        ),
        "attempt_rows": attempt_rows(attempts, zones),
        "point_rows": point_rows(account, points, role),
        "plan_rows": plan_rows(plans, status.get("currency") or "USD"),
        "debtor_zone": debtor_zone(account, points),
    }


# ---- the dashboard ----


def period_span(kpis: Mapping[str, Any]) -> str:
    """The days a period's figures cover: '1–7 Dec 2026', '1 Dec 2026', '1–30 Nov 2026'."""
    first, last = date.fromisoformat(kpis["from"]), date.fromisoformat(kpis["to"])
    days = f"{first.day}" if first == last else f"{first.day}–{last.day}"
    return f"{days} {first:%b %Y}" if (first.year, first.month) == (last.year, last.month) else (
        f"{first:%d %b %Y} – {last:%d %b %Y}")  # fmt: skip


def channel_rows(periods: Sequence[Mapping[str, Any]], key: str, *, currency: str = "USD") -> list[dict[str, Any]]:
    """One row per channel (or agency) found in any period: its label and each period's amount (and commission)."""
    names: list[str] = []
    for kpis in periods:
        names += [name for name in kpis[key] if name not in names]
    rows = []
    for name in names:
        cells = []
        for kpis in periods:
            found = kpis[key].get(name)
            if found is None:
                cells.append({"amount": money(0, currency), "detail": ""})
                continue
            detail = plural(found["payments"], "payment")
            if found.get("commission_cents"):
                detail += f", commission {money(found['commission_cents'], currency)}"
            cells.append({"amount": money(found["amount_cents"], currency), "detail": detail})
        rows.append({"label": words(name), "cells": cells})
    return rows
