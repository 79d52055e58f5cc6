"""What an operator monitors, end to end: `worker.py` as a process with METRICS_ADDRESS and HEALTH_ADDRESS
on free loopback ports, next to the dev server; `/metrics` scraped as Prometheus would, `/healthz` asked as
a load balancer would.

- the SDK's metrics and the engine's on the one endpoint: contacts sent and blocked by channel and rule
  equal to the attempts in the store, one payment applied although its reference came four times (twice
  through the CLI, twice straight to the workflow), accounts by stage equal to the store's GROUP BY;
- `/healthz` 200 with both checks ok; 503 naming the store while a private PostgreSQL cluster is stopped,
  naming Temporal while the dev server is stopped, and 200 again once each is back;
- the worker's JSON log: one outcome line per activity execution, each with its ids and attempt.
"""

from __future__ import annotations

import re
import socket
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.contact_messages import AttemptStatus
from domain.messages import PaymentInput
from domain.workflow_contract import workflow_id_for
from service import metrics
from tests.e2e.test_operations_end_to_end import free_port
from tests.reliability.conftest import (
    Engine,
    dollars,
    eventually,
    first_contacts,
    load_and_start,
    log_lines,
    running_engine,
    utc_now,
)
from tests.support.private_postgres import PrivatePostgres
from workflows.account import AccountCollectionsWorkflow

pytestmark = pytest.mark.e2e
ACCOUNTS = 4
PAYMENT_CENTS = 1_000
"""Less than any balance: the account stays in collection and its workflow keeps running."""
SDK_METRICS = (
    "temporal_workflow_task_schedule_to_start_latency_bucket",
    "temporal_activity_schedule_to_start_latency_bucket",
    "temporal_worker_task_slots_available",
    "temporal_sticky_cache_size",
)
OUTCOMES = ("activity.completed", "activity.failed", "activity.cancelled")
Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prometheus(text: str) -> Samples:
    """The samples of a Prometheus text page: by metric name, then by sorted labels."""
    samples: Samples = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is None or line.startswith("#"):
            continue
        name, labels, value = match.groups()
        key = tuple(sorted(_LABEL.findall(labels or "")))
        samples.setdefault(name, {})[key] = float(value)
    return samples


def by_label(samples: Samples, name: str, label: str) -> dict[str, float]:
    """One metric summed by one label (the SDK adds others: namespace, task queue, activity type)."""
    totals: Counter[str] = Counter()
    for labels, value in samples.get(name, {}).items():
        totals[dict(labels)[label]] += value
    return dict(totals)


def total(samples: Samples, name: str) -> float:
    return sum(samples.get(name, {}).values())


class Probes:
    def __init__(self, metrics_address: str, health_address: str) -> None:
        self.metrics_url = f"http://{metrics_address}/metrics"
        self.health_url = f"http://{health_address}/healthz"
        self.http = httpx.AsyncClient(timeout=10)

    async def scrape(self) -> Samples:
        response = await self.http.get(self.metrics_url)
        assert response.status_code == 200, response.text
        return parse_prometheus(response.text)

    async def health(self) -> tuple[int, dict[str, str]]:
        response = await self.http.get(self.health_url)
        return response.status_code, response.json()


@pytest.fixture
async def probes() -> AsyncIterator[Probes]:
    probes = Probes(f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}")
    yield probes
    await probes.http.aclose()


def worker_env(probes: Probes, **more: str) -> dict[str, str]:
    return {
        "METRICS_ADDRESS": probes.metrics_url.removeprefix("http://").removesuffix("/metrics"),
        "HEALTH_ADDRESS": probes.health_url.removeprefix("http://").removesuffix("/healthz"),
        **more,
    }


async def store_figures(engine: Engine, account_ids: list[str]) -> dict[str, Any]:
    """What the metrics must say, from the store: attempts sent and blocked, payments, accounts by stage."""
    attempts = await engine.attempts()
    accounts = await engine.accounts(account_ids)
    stages = Counter(str(a.stage) if a.stage else metrics.NOT_STARTED for a in accounts.values())
    payments = await engine.payments(list(accounts))
    return {
        "sent": dict(Counter(str(a.channel) for a in attempts if a.status == AttemptStatus.SENT)),
        "blocked": dict(Counter(str(a.rule) for a in attempts if a.status == AttemptStatus.BLOCKED)),
        "payments": sum(len(p) for p in payments.values()),
        "cents": sum(p.amount_cents for ps in payments.values() for p in ps),
        "stages": {stage: stages.get(stage, 0) for stage in metrics.STAGES},
    }


def metric_figures(samples: Samples) -> dict[str, Any]:
    return {
        "sent": by_label(samples, metrics.CONTACTS_SENT, "channel"),
        "blocked": by_label(samples, metrics.CONTACTS_BLOCKED, "rule"),
        "payments": total(samples, metrics.PAYMENTS_APPLIED),
        "cents": total(samples, metrics.PAYMENTS_APPLIED_CENTS),
        "stages": by_label(samples, metrics.ACCOUNTS, "stage"),
    }


async def test_metrics_health_and_outcome_lines_of_a_running_worker(tmp_path: Path, probes: Probes) -> None:
    async with running_engine(tmp_path) as engine:
        portfolio = await load_and_start(engine, tmp_path / "accounts.csv", ACCOUNTS, "M")
        log = await engine.start_worker(**worker_env(probes, METRICS_REFRESH_SECONDS="0.5"))
        await first_contacts(engine)
        assert await probes.health() == (200, {"temporal": "ok", "store": "ok"})

        payer = portfolio.ids[0]
        reference = f"PAY-{payer}"
        for _ in range(2):  # the second is refused by the CLI as a duplicate
            amount = dollars(PAYMENT_CENTS)
            done = await engine.cli("event", "payment", payer, "--amount", amount, "--reference", reference)
            assert done.returncode == 0, done.stderr
        handle = (await engine.client()).get_workflow_handle(workflow_id_for(payer))
        for _ in range(2):  # as from a payment feed: straight to the workflow, the store not asked first
            payment = PaymentInput(PAYMENT_CENTS, reference, utc_now().date().isoformat())
            await handle.signal(AccountCollectionsWorkflow.payment, payment)

        async def both() -> tuple[dict[str, Any], dict[str, Any]]:
            return await store_figures(engine, portfolio.ids), metric_figures(await probes.scrape())

        expected, seen = await eventually(
            both, lambda figures: figures[0] == figures[1], timeout=60, what="the metrics to agree with the store"
        )
        assert (seen["payments"], seen["cents"]) == (1, PAYMENT_CENTS)
        assert seen["sent"].get("letter", 0) >= ACCOUNTS, "each account's validation notice went out"
        assert sum(seen["stages"].values()) == ACCOUNTS

        samples = await probes.scrape()
        assert [name for name in SDK_METRICS if name not in samples] == [], sorted(samples)
        assert engine.stop_worker() == 0

        with socket.create_server(("127.0.0.1", 0)) as taken:
            address = f"127.0.0.1:{taken.getsockname()[1]}"
            for variable, path in (("METRICS_ADDRESS", "/metrics"), ("HEALTH_ADDRESS", "/healthz")):
                refused_log = engine.spawn_worker(**{variable: address})
                assert engine.worker is not None and engine.worker.wait(timeout=60) == 2
                last = refused_log.read_text().strip().splitlines()[-1]
                assert last.startswith(f"worker: error: cannot serve {path} on {address}: "), last
                assert "in use" in last, last

    lines = log_lines(log)
    outcomes = [line for line in lines if line["event"] in OUTCOMES]
    assert outcomes, "the worker logged its activities' outcomes"
    executions = Counter((line["run_id"], line["activity_id"], line["attempt"]) for line in outcomes)
    assert set(executions.values()) == {1}, "one outcome line per activity execution"
    for line in outcomes:
        assert line["account_id"] in portfolio.ids and line["workflow_id"] == workflow_id_for(line["account_id"]), line
        assert line["run_id"] and line["activity"] and line["attempt"] >= 1, line
    recorded = [line for line in outcomes if line["activity"] == "record_payment"]
    assert [(line["event"], line["account_id"]) for line in recorded] == [("activity.completed", payer)]
    assert not [line for line in lines if line.get("logger") == "temporalio.activity"], "no second failure line"


async def test_healthz_names_what_is_down_and_recovers(
    engine: Engine, private_postgres: PrivatePostgres, probes: Probes
) -> None:
    """`engine`: the dev server, and the store on a private PostgreSQL cluster the test stops and starts."""
    await engine.start_worker(**worker_env(probes, HEALTH_CHECK_TIMEOUT_SECONDS="2"))
    assert await probes.health() == (200, {"temporal": "ok", "store": "ok"})

    private_postgres.stop()
    where = f"PostgreSQL 127.0.0.1:{private_postgres.port}/postgres"
    refused = f"ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', {private_postgres.port})"
    assert await probes.health() == (503, {"temporal": "ok", "store": f"unavailable ({where}): {refused}"})
    private_postgres.start()
    await eventually(probes.health, lambda answer: answer[0] == 200, timeout=30, what="the store to be back")
    assert await probes.health() == (200, {"temporal": "ok", "store": "ok"})

    assert engine.stop_server() == 0
    status, body = await probes.health()
    assert status == 503 and body["store"] == "ok", body
    assert body["temporal"].startswith(f"unreachable ({engine.address}): ") and "\n" not in body["temporal"], body
    await engine.start_server()
    await eventually(probes.health, lambda answer: answer[0] == 200, timeout=60, what="Temporal to be back")
    assert engine.stop_worker() == 0
