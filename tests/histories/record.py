"""Record the history library: each scenario through the real workflow and activities, one JSON file per run.

    .venv/bin/python -m tests.histories.record                      # every scenario, into tests/histories/
    .venv/bin/python -m tests.histories.record dispute-verified     # only the ones named
    .venv/bin/python -m tests.histories.record --list               # the scenarios and their servers
    .venv/bin/python -m tests.histories.record --out DIR            # elsewhere (an old worktree's recording)

Scenarios run on the time-skipping server (a fresh one each: months pass in seconds) with a fresh SQLite
store; those that need workflow updates or continue-as-new run on the dev server (the time-skipping server
has no updates and sometimes hangs completing a continued run). A scenario ends its account (the workflow
completes) or leaves it mid-stage and terminates it, as a running account's history looks. Each file is
`WorkflowHistory.to_json()`; a continued chain is one file per run (`NAME.run-1.json`, ...).

The recorder only uses test helpers that exist since the commit before the NeedsAttention patch, so it runs
unchanged in a worktree of older code: copy it there and point `--out` back at this tree.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from domain import holds
from domain.messages import (
    AccountSnapshot,
    AccountStatus,
    AccountWorkflowInput,
    HoldInput,
    HoldKind,
    HoldOutcome,
    HoldReleaseInput,
    PaymentInput,
    ProbateInput,
)
from domain.negotiation_messages import ApprovalInput, PlanProposal, ProposalDecision
from domain.referral_messages import RecallInput
from domain.stages import Stage
from domain.workflow_contract import ALL_KEYS, workflow_id_for
from service.dev_server import SERVER_STARTUP_TIMEOUT, bundled_executable
from service.logging import configure_logging
from service.temporal import register_search_attributes
from store.db import make_engine, make_session_factory, migrate
from tests.conftest import running_worker
from tests.histories import personal_data_in
from tests.replay.variants import BeforeAttention
from tests.support.accounts import RECENTLY_DUE, add_account, eventually, terminate_when_idle
from tests.support.databases import sqlite_url
from tests.workflows.test_holds import DEFAULT, attempts, petition
from tests.workflows.test_holds import start as start_contacting
from tests.workflows.test_negotiation_exits import BALANCE as NEGOTIATING_BALANCE
from tests.workflows.test_negotiation_exits import STALL, start_negotiating, templates_sent
from tests.workflows.test_plans import POLICY, pay, start_on_plan
from tests.workflows.test_referral import agency_pays, start_past_referral
from workflows.account import AccountCollectionsWorkflow

HERE = Path(__file__).resolve().parent
TIME_SKIPPING, DEV = "time-skipping", "dev"
BALANCE = 50_000
"""The balance tests.workflows.test_holds and test_referral load their accounts with."""
CONTINUE_AFTER_EVENTS = 30

Sessions = async_sessionmaker[AsyncSession]
Play = Callable[[WorkflowEnvironment, str, Sessions], Awaitable[WorkflowHandle]]


@dataclass(frozen=True)
class Scenario:
    name: str
    play: Play
    server: str
    about: str


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, about: str, *, server: str = TIME_SKIPPING) -> Callable[[Play], Play]:
    def register(play: Play) -> Play:
        SCENARIOS[name] = Scenario(name, play, server, about)
        return play

    return register


async def status_of(handle: WorkflowHandle) -> AccountStatus:
    return await handle.query(AccountCollectionsWorkflow.status)


async def until(handle: WorkflowHandle, check: Callable[[AccountStatus], bool], what: str) -> AccountStatus:
    return await eventually(lambda: status_of(handle), check, what=what, timeout=60)


async def first_contact(env: WorkflowEnvironment, queue: str, sessions: Sessions, **options) -> WorkflowHandle:
    """An account in `contacting` whose validation notice has gone out."""
    handle, account_id = await start_contacting(env, queue, sessions, **options)
    await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) == 1, what="the notice")
    return handle


async def hold_then_release(handle: WorkflowHandle, hold: HoldInput, release: HoldReleaseInput) -> None:
    await handle.signal(AccountCollectionsWorkflow.place_hold, hold)
    await until(handle, lambda s: s.stage == Stage.ON_HOLD, "the hold")
    await handle.signal(AccountCollectionsWorkflow.release_hold, release)


async def back_to_contacting(handle: WorkflowHandle) -> WorkflowHandle:
    await until(handle, lambda s: s.stage == Stage.CONTACTING and not s.holds, "collection resumed")
    await terminate_when_idle(handle)
    return handle


async def placed(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    """An account past the referral threshold, placed with its first agency."""
    handle, _ = await start_past_referral(env, queue, sessions)
    await until(handle, lambda s: s.placements_made == 1, "the placement")
    return handle


# ---- the scenarios ----


@scenario("paid-in-full", "the validation notice, then one payment of the whole balance: paid")
async def paid_in_full(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await first_contact(env, queue, sessions, plan=DEFAULT)
    await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(BALANCE, "PAID-1", "2026-01-01"))
    await handle.result()
    return handle


@scenario("plan-kept", "three installments, each paid on its due date: paid")
async def plan_kept(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle, _ = await start_on_plan(env, queue, sessions)
    for paid in range(1, 4):
        await env.sleep(timedelta(days=10 if paid == 1 else 30))
        await pay(handle, 30_000, f"INST-{paid}")
        await until(handle, lambda s, paid=paid: s.payments_count == paid, "the installment")  # type: ignore[misc]
    await handle.result()
    return handle


@scenario("plan-broken", "the first installment paid, the second missed (reminded, then past grace): renegotiation")
async def plan_broken(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle, _ = await start_on_plan(env, queue, sessions)
    await env.sleep(timedelta(days=9))
    await pay(handle, 30_000, "INST-1")
    await env.sleep(timedelta(days=30 + POLICY.negotiation.grace_days + 2))
    await until(handle, lambda s: s.stage == Stage.NEGOTIATING, "the broken plan")
    await terminate_when_idle(handle)
    return handle


@scenario("bankruptcy-dismissed", "a Chapter 7 petition (proof of claim), 30 days of stay, dismissed: contacting")
async def bankruptcy_dismissed(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await first_contact(env, queue, sessions, plan=DEFAULT)
    filed_on = (await env.get_current_time()).date().isoformat()
    await handle.signal(AccountCollectionsWorkflow.place_hold, petition("BK-7", "7", filed_on))
    await until(handle, lambda s: s.stage == Stage.ON_HOLD, "the stay")
    await env.sleep(timedelta(days=30))
    await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput(kind=HoldKind.BANKRUPTCY))
    return await back_to_contacting(handle)


@scenario("bankruptcy-discharged", "a Chapter 13 petition, a trustee payment on hold, the discharge: discharged")
async def bankruptcy_discharged(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await first_contact(env, queue, sessions, plan=DEFAULT)
    await handle.signal(AccountCollectionsWorkflow.place_hold, petition("BK-13", "13"))
    await handle.signal(AccountCollectionsWorkflow.payment, PaymentInput(5_000, "TRUSTEE-1", "2026-01-01"))
    await until(handle, lambda s: s.stage == Stage.ON_HOLD and s.payments_count == 1, "the trustee payment")
    discharge = HoldReleaseInput(kind=HoldKind.BANKRUPTCY, outcome=HoldOutcome.DISCHARGE)
    await handle.signal(AccountCollectionsWorkflow.release_hold, discharge)
    await handle.result()
    return handle


@scenario("deceased-probate-estate-payment", "death, a (synthetic) representative and estate claim, the estate pays")
async def deceased_probate(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await first_contact(env, queue, sessions)
    deadline = ((await env.get_current_time()).date() + timedelta(days=90)).isoformat()
    await handle.signal(AccountCollectionsWorkflow.place_hold, holds.deceased_hold("RIP-1", date_of_death="2026-01-02"))
    representative = ProbateInput("Synthetic Representative", deadline, email="representative@example.invalid")
    await handle.signal(AccountCollectionsWorkflow.probate, representative)
    await env.sleep(timedelta(days=10))
    estate = PaymentInput(20_000, "ESTATE-1", "2026-02-01", holds.ESTATE_SOURCE)
    await handle.signal(AccountCollectionsWorkflow.payment, estate)
    await handle.result()
    return handle


@scenario("dispute-verified", "a dispute; verified: the verification letter, then the cadence's next letter")
async def dispute_verified(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle, account_id = await start_contacting(env, queue, sessions)
    await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) == 1, what="the notice")
    await hold_then_release(
        handle, holds.dispute_hold("DSP-1", reason="not mine"), HoldReleaseInput("DSP-1", HoldOutcome.VERIFIED)
    )
    await env.sleep(timedelta(minutes=2))
    await eventually(lambda: attempts(sessions, account_id), lambda found: len(found) >= 3, what="the letters")
    await terminate_when_idle(handle)
    return handle


@scenario("dispute-upheld", "a dispute of the whole balance, upheld: closed")
async def dispute_upheld(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await first_contact(env, queue, sessions)
    await hold_then_release(
        handle, holds.dispute_hold("DSP-2", reason="paid already"), HoldReleaseInput("DSP-2", HoldOutcome.UPHELD)
    )
    await handle.result()
    return handle


@scenario("legal-hold", "a legal hold for 20 days, released: contacting")
async def legal_hold(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await first_contact(env, queue, sessions, plan=DEFAULT)
    await handle.signal(AccountCollectionsWorkflow.place_hold, HoldInput("LIT-1", HoldKind.LEGAL, "litigation"))
    await until(handle, lambda s: s.stage == Stage.ON_HOLD, "the hold")
    await env.sleep(timedelta(days=20))
    await handle.signal(AccountCollectionsWorkflow.release_hold, HoldReleaseInput("LIT-1"))
    return await back_to_contacting(handle)


@scenario("referral-placement-recall", "past the threshold: placed, the agency pays, recalled by hand: internal desk")
async def referral_recalled_by_hand(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await placed(env, queue, sessions)
    await agency_pays(handle, 10_001, "ACME-1")
    await until(handle, lambda s: s.payments_count == 1, "the agency payment")
    await handle.signal(AccountCollectionsWorkflow.recall_placement, RecallInput("creditor recalls the account"))
    await until(handle, lambda s: s.placements_made == 2, "the internal desk")
    await terminate_when_idle(handle)
    return handle


@scenario("referral-recalled-after-silence", "placed, no payment for the recall period: recalled and placed again")
async def referral_recalled_after_silence(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle = await placed(env, queue, sessions)
    await env.sleep(timedelta(days=DEFAULT.referral.recall_after_days + 1))
    await until(handle, lambda s: s.placements_made == 2, "the second placement")
    await terminate_when_idle(handle)
    return handle


@scenario("negotiation-stall", "negotiating with nothing in play and no news: back to contacting, its next letter")
async def negotiation_stall(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle, account_id = await start_negotiating(env, queue, sessions)
    await env.sleep(STALL + timedelta(days=1))
    await until(handle, lambda s: s.stage == Stage.CONTACTING, "the stall")
    await eventually(lambda: templates_sent(sessions, account_id), lambda sent: "reminder" in sent, what="a letter")
    await terminate_when_idle(handle)
    return handle


@scenario(
    "negotiation-approval-settled",
    "a settlement beyond policy (update), a supervisor approves (update), the debtor pays: settled",
    server=DEV,
)
async def negotiation_approval_settled(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    handle, _ = await start_negotiating(env, queue, sessions)
    settle_cents = NEGOTIATING_BALANCE * 8 // 10
    proposal = PlanProposal(settle_cents=settle_cents)
    answer = await handle.execute_update(AccountCollectionsWorkflow.propose_plan, proposal)
    assert answer.decision == ProposalDecision.PENDING_APPROVAL, answer
    approval = ApprovalInput("supervisor-1", "supervisor")
    answer = await handle.execute_update(AccountCollectionsWorkflow.decide_approval, approval)
    assert answer.decision == ProposalDecision.ACCEPTED, answer
    await until(handle, lambda s: s.stage == Stage.ON_PLAN, "the plan")
    await pay(handle, settle_cents, "SETTLE-1")
    await handle.result()
    return handle


@scenario("continue-as-new", f"payments until the history passes {CONTINUE_AFTER_EVENTS} events: two runs", server=DEV)
async def continue_as_new(env: WorkflowEnvironment, queue: str, sessions: Sessions) -> WorkflowHandle:
    account_id = f"C{uuid.uuid4().hex[:8]}"
    await add_account(sessions, account_id, balance_cents=30_000)
    snapshot = AccountSnapshot(account_id, 30_000, "USD", RECENTLY_DUE.isoformat(), "card")
    handle = await env.client.start_workflow(
        AccountCollectionsWorkflow.run,
        AccountWorkflowInput(account_id, max_history_events=CONTINUE_AFTER_EVENTS, snapshot=snapshot),
        id=workflow_id_for(account_id),
        task_queue=queue,
    )
    for number in range(1, 7):  # each payment, applied before the next, adds about eight events
        await pay(handle, 100, f"P-{number}")
        await until(handle, lambda s, n=number: s.payments_count == n or s.generation >= 2, f"payment {number}")
    await until(handle, lambda s: s.payments_count == 6 and s.generation >= 2, "the continued run")
    await pay(handle, 29_400, "LAST")
    await handle.result()
    return handle


# ---- recording ----


async def runs_of(client: Client, handle: WorkflowHandle) -> list[WorkflowHistory]:
    """Every run of the handle's workflow from its first, following continue-as-new."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = handle.first_execution_run_id or handle.run_id
    while run_id:
        history = await client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        histories.append(history)
        last = history.events[-1]
        continued = last.HasField("workflow_execution_continued_as_new_event_attributes")
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id if continued else None
    return histories


def file_names(name: str, runs: int) -> list[str]:
    return [f"{name}.json"] if runs == 1 else [f"{name}.run-{number}.json" for number in range(1, runs + 1)]


def write(out: Path, name: str, histories: list[WorkflowHistory]) -> list[Path]:
    """Replace the scenario's files in `out`; refuse a history that carries the debtor's personal data."""
    texts = [history.to_json() for history in histories]
    for text in texts:
        if found := personal_data_in(text):
            raise SystemExit(f"{name}: the history carries personal data ({', '.join(found)}); not written")
    for stale in [*out.glob(f"{name}.json"), *out.glob(f"{name}.run-*.json")]:
        stale.unlink()
    paths = [out / file_name for file_name in file_names(name, len(texts))]
    for path, text in zip(paths, texts, strict=True):
        path.write_text(text + "\n")
    return paths


@asynccontextmanager
async def fresh_store() -> AsyncIterator[Sessions]:
    with tempfile.TemporaryDirectory(prefix="history-store-") as folder:
        url = sqlite_url(Path(folder))
        await migrate(url)
        engine = make_engine(url)
        try:
            yield make_session_factory(engine)
        finally:
            await engine.dispose()


@asynccontextmanager
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        test_server_existing_path=str(bundled_executable("temporal-test-server")),
    )
    await register_search_attributes(env.client)
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=str(bundled_executable("temporal")),
        search_attributes=ALL_KEYS,
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()


async def record_one(env: WorkflowEnvironment, chosen: Scenario, out: Path) -> list[Path]:
    async with fresh_store() as sessions:
        async with running_worker(env.client, sessions, workflow=WORKFLOW[0]) as queue:
            handle = await chosen.play(env, queue, sessions)
        return write(out, chosen.name, await runs_of(env.client, handle))


async def record(names: list[str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    chosen = [SCENARIOS[name] for name in names]
    on_dev = [item for item in chosen if item.server == DEV]
    for item in chosen:
        if item.server == TIME_SKIPPING:
            async with time_skipping_server() as env:  # a fresh clock for each scenario
                paths = await record_one(env, item, out)
            report(item, paths)
    if on_dev:
        async with dev_server() as env:
            for item in on_dev:
                report(item, await record_one(env, item, out))


WORKFLOW: list[type] = [AccountCollectionsWorkflow]
"""The workflow class the recorder runs (`--before-attention` swaps in the variant from before the patch)."""


def report(item: Scenario, paths: list[Path]) -> None:
    sizes = ", ".join(f"{path.name} ({path.stat().st_size // 1024} KiB)" for path in paths)
    print(f"{item.name}: {sizes}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.histories.record", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="SCENARIO", help="scenarios to record (default: all)")
    parser.add_argument("--out", type=Path, default=HERE, help=f"folder for the JSON files (default: {HERE})")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument(
        "--before-attention", action="store_true",
        help="record with the workflow as it was before the NeedsAttention patch, into before-attention/",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.before_attention:
        WORKFLOW[0] = BeforeAttention
        args.out = args.out / "before-attention" if args.out == HERE else args.out
    if args.list:
        for item in SCENARIOS.values():
            print(f"{item.name:34} {item.server:14} {item.about}")
        return 0
    if unknown := [name for name in args.names if name not in SCENARIOS]:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    configure_logging(log_format="console", level="warning")  # the activities' info lines would drown the report
    asyncio.run(record(args.names or list(SCENARIOS), args.out))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # no interpreter teardown: the SDK's runtime can abort there (sdk-python#300)
