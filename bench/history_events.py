"""History events of an account lifecycle, as a ratio to the minimum its activities and timers need.

For each scenario of lifecycle_throughput.py ((a) paid on first contact on the dev server, (b) a
six-installment plan on the time-skipping server) and for the no-op baseline on each server, the
whole history is fetched (fetch_history) and compared with the minimum computed from that same
history:

    minimum = 2                 workflow execution started + completed
            + 3 x activities    scheduled, started, completed (activities = ActivityTaskScheduled)
            + 1 x local activities   its marker (MarkerRecorded "core_local_activity"): the result
            + 2 x timers        started, then fired or cancelled (timers = TimerStarted)
            + 1 x signals       WorkflowExecutionSignaled: the events fed to it
            + 3 x wake-ups      one workflow task (scheduled, started, completed) per wake-up
    wake-ups = 1 (the start) + each activity result, timer firing and signal that reached the
               workflow while no workflow task was already scheduled for it (one arriving while a
               task is scheduled rides on that task)

Everything else (search-attribute upserts, workflow tasks nothing woke, markers, ...) is the excess.

    .venv/bin/python bench/history_events.py [--quick] [--n 5]
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from _scenarios import (
    PLAN_INSTALLMENTS,
    ContactWatcher,
    accounts,
    baseline,
    engine_worker,
    log_like_the_worker,
    paid_on_first_contact,
    prepare_plan,
    reader,
    six_installment_plans,
    strategy,
)
from _support import (
    console,
    dev_server,
    figures_table,
    note,
    parse_args,
    ratio,
    run_main,
    run_part,
    sqlite_store,
    time_skipping_server,
)
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHandle

from ops.account_view import local_activity_type

DESCRIPTION = "History events of an account lifecycle, as a ratio to the minimum its activities and timers need."
DEFAULT_N, QUICK_N = 5, 2
FORMULA = (
    "minimum = 2 + 3 x activities + local activities + 2 x timers + signals + 3 x wake-ups; wake-ups = 1 + "
    "activity results, "
    "timer firings and signals arriving while no workflow task is scheduled"
)

E = EventType
WAKING = {
    E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, E.EVENT_TYPE_ACTIVITY_TASK_FAILED, E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    E.EVENT_TYPE_ACTIVITY_TASK_CANCELED, E.EVENT_TYPE_TIMER_FIRED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
    E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
}  # fmt: skip
ACTIVITY = {
    E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, E.EVENT_TYPE_ACTIVITY_TASK_STARTED, E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    E.EVENT_TYPE_ACTIVITY_TASK_FAILED, E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
}  # fmt: skip
TIMER = {E.EVENT_TYPE_TIMER_STARTED, E.EVENT_TYPE_TIMER_FIRED, E.EVENT_TYPE_TIMER_CANCELED}
WORKFLOW_TASK = {
    E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    E.EVENT_TYPE_WORKFLOW_TASK_FAILED, E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}  # fmt: skip
ENDS = {E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED}


@dataclass
class HistoryCount:
    events: int
    activities: int
    local_activities: int
    timers: int
    signals: int
    wakeups: int
    by_type: Counter[str]
    activity_types: Counter[str]

    @property
    def minimum(self) -> int:
        return 2 + 3 * self.activities + self.local_activities + 2 * self.timers + self.signals + 3 * self.wakeups


def count(events: list[HistoryEvent]) -> HistoryCount:
    by_type: Counter[str] = Counter(E.Name(e.event_type).removeprefix("EVENT_TYPE_").lower() for e in events)
    activity_types: Counter[str] = Counter(
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in events
        if e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    )
    local = [e for e in events if local_activity_type(e) is not None]
    activity_types.update(f"{local_activity_type(e)} (local)" for e in local)
    wakeups, task_scheduled = 0, False
    for event in events:
        if event.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            wakeups += 1
        elif event.event_type == E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            task_scheduled = True
        elif event.event_type == E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            task_scheduled = False
        elif event.event_type in WAKING and not task_scheduled:
            wakeups += 1
    return HistoryCount(
        events=len(events),
        activities=sum(1 for e in events if e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        local_activities=len(local),
        timers=sum(1 for e in events if e.event_type == E.EVENT_TYPE_TIMER_STARTED),
        signals=sum(1 for e in events if e.event_type == E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
        wakeups=wakeups,
        by_type=by_type,
        activity_types=activity_types,
    )


async def history_of(handle: WorkflowHandle) -> HistoryCount:
    return count([event async for event in handle.fetch_history_events()])


@dataclass
class Scenario:
    name: str
    server: str
    counts: list[HistoryCount] = field(default_factory=list)


async def sequentially(jobs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    """One lifecycle at a time: a history does not depend on what else the server is doing."""
    return [await job() for job in jobs]


async def dev_server_part(args: argparse.Namespace, results: list[Scenario]) -> None:
    lifecycle = Scenario("(a) paid on first contact", "dev server")
    noop = Scenario("baseline: no-op + 1 activity", "dev server")
    async with (
        dev_server() as env,
        sqlite_store() as store,
        reader(store) as polling,
        ContactWatcher(polling) as watcher,
    ):
        found = await accounts(store, args.n, prefix="F", today=date.today())
        async with engine_worker(env.client, store) as queue:
            one = partial(paid_on_first_contact, env.client, queue, watcher, strategy())
            for handle in await sequentially([partial(one, a) for a in found]):
                lifecycle.counts.append(await history_of(handle))
            for handle in await sequentially([partial(baseline, env.client, queue) for _ in range(args.n)]):
                noop.counts.append(await history_of(handle))
    results += [lifecycle, noop]


async def time_skipping_part(args: argparse.Namespace, results: list[Scenario]) -> None:
    plan = Scenario(f"(b) {PLAN_INSTALLMENTS}-installment plan", "time-skipping")
    noop = Scenario("baseline: no-op + 1 activity", "time-skipping")
    async with time_skipping_server() as env, sqlite_store() as store, reader(store) as polling:
        found = await accounts(store, args.n, prefix="I", today=(await env.get_current_time()).date())
        plans = strategy()
        with env.auto_time_skipping_disabled():  # the driver skips time itself
            async with engine_worker(env.client, store) as queue:
                now = await env.get_current_time()
                prepared = [await prepare_plan(store, plans, a, now) for a in found]
                for handle in await six_installment_plans(env, queue, polling, prepared):
                    plan.counts.append(await history_of(handle))
                for handle in await sequentially([partial(baseline, env.client, queue) for _ in range(args.n)]):
                    noop.counts.append(await history_of(handle))
    results += [plan, noop]


def breakdown(scenario: Scenario) -> None:
    """Where the events of one lifecycle (the median one by events) go, actual against minimum."""
    ordered = sorted(scenario.counts, key=lambda c: c.events)
    c = ordered[len(ordered) // 2]
    t = c.by_type

    def among(kinds: set[EventType.ValueType]) -> int:
        return sum(t[E.Name(k).removeprefix("EVENT_TYPE_").lower()] for k in kinds)

    upserts = t["upsert_workflow_search_attributes"]
    groups = [
        ("workflow started + completed", among(ENDS), 2),
        (f"activities ({c.activities})", among(ACTIVITY), 3 * c.activities),
        (f"local activities ({c.local_activities})", c.local_activities, c.local_activities),
        (f"timers ({c.timers}: {t['timer_fired']} fired, {t['timer_canceled']} cancelled)", among(TIMER), 2 * c.timers),
        (f"signals ({c.signals})", t["workflow_execution_signaled"], c.signals),
        (f"workflow tasks ({t['workflow_task_scheduled']}; wake-ups {c.wakeups})", among(WORKFLOW_TASK), 3 * c.wakeups),
        ("search-attribute upserts", upserts, 0),
    ]
    counted = sum(actual for _, actual, _ in groups)
    groups.append(("other", c.events - counted, 0))
    rows = [[name, str(actual), str(minimum), f"{actual - minimum:+d}"] for name, actual, minimum in groups]
    rows.append(["total", str(c.events), str(c.minimum), f"{c.events - c.minimum:+d}"])
    activities = ", ".join(f"{name} x{n}" for name, n in sorted(c.activity_types.items()))
    figures_table(
        f"{scenario.name} ({scenario.server}): one lifecycle's history",
        ["events", "actual", "minimum", "excess"],
        rows,
        caption=f"activities: {activities}",
    )


def report(results: list[Scenario]) -> None:
    rows = []
    for s in results:
        ratios = [c.events / c.minimum for c in s.counts]
        rows.append([
            s.name, s.server, str(len(s.counts)), f"{statistics.median(c.events for c in s.counts):g}",
            f"{statistics.median(c.minimum for c in s.counts):g}", ratio(statistics.median(ratios)),
            f"{min(ratios):.2f}-{max(ratios):.2f}",
        ])  # fmt: skip
    figures_table(
        "history events per lifecycle as a ratio to the minimum its activities and timers need",
        ["scenario", "server", "lifecycles", "events", "minimum", "ratio", "range"],
        rows,
        caption=f"events, minimum: medians; ratio: median of events / minimum. {FORMULA}",
    )


async def main() -> int:
    args = parse_args(DESCRIPTION, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="lifecycles per scenario")
    log_like_the_worker()
    note(FORMULA)
    results: list[Scenario] = []
    ok = await run_part(
        "(a) paid on first contact and its baseline, dev server",
        lambda: dev_server_part(args, results),
        show_traceback=args.traceback,
    )
    ok &= await run_part(
        "(b) six-installment plan and its baseline, time-skipping server",
        lambda: time_skipping_part(args, results),
        show_traceback=args.traceback,
    )
    for scenario in results:
        if not scenario.name.startswith("baseline"):
            breakdown(scenario)
    if results:
        report(results)
    else:
        console.print("no figures: every part was skipped or failed")
    return 0 if ok else 1


if __name__ == "__main__":
    run_main(main)
