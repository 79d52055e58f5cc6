"""The engine's counters count each effect once: an activity run twice (a retry, a duplicate) counts nothing
the second time. The activities run against a real SQLite store with the meter of a real SDK runtime that
buffers its metrics (`MetricBuffer`), read back here."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.runtime import BUFFERED_METRIC_KIND_GAUGE, MetricBuffer, Runtime, TelemetryConfig
from temporalio.testing import ActivityEnvironment

from activities.account_store import AccountStoreActivities
from activities.contact import ContactActivities
from activities.holds import HoldActivities
from channels.email import SmtpSender
from domain.contact import Channel, Rule
from domain.contact_messages import ContactPreferenceInput, RecordBlockedInput, SendContactInput
from domain.hold_messages import HoldRecordInput
from domain.messages import RecordPaymentInput, StageChangeInput
from domain.stages import Stage
from service import metrics
from store import repository
from store.accounts_gauge import refresh_accounts_gauge
from tests.support.accounts import add_account, eventually
from tests.support.smtp import SmtpServer, smtp_server

Sessions = async_sessionmaker[AsyncSession]
Labels = tuple[tuple[str, str], ...]
SDK_LABELS = {"namespace", "task_queue", "activity_type", "service_name"}


class BufferedMeter:
    """A real SDK runtime whose metrics land in a buffer; counters summed by name and engine labels."""

    def __init__(self) -> None:
        self.buffer = MetricBuffer(10_000)
        self.runtime = Runtime(telemetry=TelemetryConfig(metrics=self.buffer))
        self.counters: Counter[tuple[str, Labels]] = Counter()
        self.gauges: dict[tuple[str, Labels], int | float] = {}

    def env(self) -> ActivityEnvironment:
        env = ActivityEnvironment()
        env.metric_meter = self.runtime.metric_meter
        return env

    async def run(self, fn: Any, *args: Any) -> Any:
        return await self.env().run(fn, *args)

    def read(self) -> BufferedMeter:
        for update in self.buffer.retrieve_updates():
            labels = tuple(sorted((k, str(v)) for k, v in update.attributes.items() if k not in SDK_LABELS))
            key = (update.metric.name, labels)
            if update.metric.kind == BUFFERED_METRIC_KIND_GAUGE:
                self.gauges[key] = update.value
            else:
                self.counters[key] += int(update.value)
        return self


@pytest.fixture
def meter() -> BufferedMeter:
    return BufferedMeter()


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as server:
        yield server


async def point_ids(sessions: Sessions, account_id: str = "A1") -> dict[str, int]:
    async with sessions() as session:
        return {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, account_id)}


async def test_a_payment_is_counted_once_however_often_its_reference_comes(sessions: Sessions, meter) -> None:
    await add_account(sessions, "A1", balance_cents=10_000)
    activities = AccountStoreActivities(sessions)
    for reference in ("P-1", "P-1", "P-2", "P-1"):  # P-1 retried, then sent again later
        await meter.run(activities.record_payment, RecordPaymentInput("A1", reference, 2_500, "2026-02-01", "test"))
    assert meter.read().counters == {
        (metrics.PAYMENTS_APPLIED, ()): 2,
        (metrics.PAYMENTS_APPLIED_CENTS, ()): 5_000,
    }


async def test_contacts_sent_and_blocked_are_counted_once_per_attempt(
    sessions: Sessions, smtp: SmtpServer, meter
) -> None:
    await add_account(sessions, "A1")
    points = await point_ids(sessions)
    activities = ContactActivities(sessions, SmtpSender(smtp.host, smtp.port, "collections@example.com", timeout=5))
    letter = SendContactInput("A1", 1, Channel.LETTER, points["address"], "reminder")
    email = SendContactInput("A1", 2, Channel.EMAIL, points["email"], "reminder")
    blocked = RecordBlockedInput("A1", 3, Channel.CALL, points["phone"], Rule.CALLING_HOURS, datetime.now(UTC))
    for _ in range(2):  # each activity retried after it had done its work
        await meter.run(activities.send_contact, letter)
        await meter.run(activities.send_contact, email)
        await meter.run(activities.record_blocked_attempt, blocked)
    await meter.run(activities.apply_contact_preference, ContactPreferenceInput("A1", "cease"))
    for _ in range(2):  # blocked by the store at send time
        await meter.run(activities.send_contact, dataclasses.replace(letter, attempt_no=4))

    assert len(smtp.received) == 1
    assert meter.read().counters == {
        (metrics.CONTACTS_SENT, (("channel", "letter"),)): 1,
        (metrics.CONTACTS_SENT, (("channel", "email"),)): 1,
        (metrics.CONTACTS_BLOCKED, (("rule", "calling_hours"),)): 1,
        (metrics.CONTACTS_BLOCKED, (("rule", "cease_communication"),)): 1,
    }


async def test_a_hold_is_counted_once_when_opened(sessions: Sessions, meter) -> None:
    await add_account(sessions, "A1")
    activities = HoldActivities(sessions)
    placed = HoldRecordInput("A1", "BK-1", "bankruptcy", "placed", {"chapter": "7"})
    for request in (placed, placed, HoldRecordInput("A1", "BK-1", "bankruptcy", "released", outcome="resume")):
        await meter.run(activities.record_hold, request)
    assert meter.read().counters == {(metrics.HOLDS_OPENED, (("kind", "bankruptcy"),)): 1}


async def test_the_accounts_gauge_counts_the_store_by_stage(sessions: Sessions, meter) -> None:
    for account_id in ("A1", "A2", "A3"):
        await add_account(sessions, account_id)
    stage_change = StageChangeInput("A1", None, Stage.CONTACTING, 1, "started")
    await meter.run(AccountStoreActivities(sessions).record_stage_change, stage_change)

    refreshing = asyncio.create_task(refresh_accounts_gauge(meter.runtime.metric_meter, sessions, every=60))

    async def by_stage() -> dict[str, int | float]:
        gauges = meter.read().gauges.items()
        return {dict(labels)["stage"]: value for (name, labels), value in gauges if name == metrics.ACCOUNTS}

    try:
        seen = await eventually(by_stage, lambda gauges: len(gauges) == len(metrics.STAGES), what="the first refresh")
    finally:
        refreshing.cancel()
    assert seen == {stage: {"not_started": 2, "contacting": 1}.get(stage, 0) for stage in metrics.STAGES}
