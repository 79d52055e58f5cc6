"""The desk's account page, as a ratio to the same page without the desk; and "next account".

Dev server, one worker (the real workflow and activities), a SQLite store, the web application in this
process (FastAPI over ASGI, no socket). n accounts are started and wait in their cadence.

(1) The account page: `GET /accounts/{id}` for an operations token (the workspace: the page plus the
    gate's answer from the workflow, the offers under its policy, the claim, the forms) against the same
    page for a viewer token (the account, its timeline and records: no desk), alternating ABBA over the
    accounts. The ratio is what the desk adds to each page a collector opens.
(2) "Next account": `POST /queue/next` by n collectors, one after another, each taking an account nobody
    holds (CSRF-checked form: the queue read from Temporal's visibility, the claim decided by the store,
    audited) against `GET /queue` by the same collector (the same queue read, no claim), ABBA.

    .venv/bin/python bench/desk_pages.py [--quick] [--n 40]
"""

from __future__ import annotations

import re
import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from _scenarios import accounts, engine_worker, log_like_the_worker, start_input, strategy
from _support import Stopwatch, console, dev_server, figures_table, median, parse_args, ratio, run_main, run_part
from _support import sqlite_store as fresh_store

from domain.workflow_contract import workflow_id_for
from ops.context import open_context
from service.config import load_settings
from service.tokens import Role, issue_token
from service.web_config import load_web_settings
from store import repository
from web.app import create_app
from workflows.account import AccountCollectionsWorkflow

DESCRIPTION = "The desk's account page against the read-only page, and 'next account' against the queue page."
DEFAULT_N, QUICK_N = 40, 10
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Measured:
    desk: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    take: list[float] = field(default_factory=list)
    queue: list[float] = field(default_factory=list)


async def timed(client: httpx.AsyncClient, method: str, path: str, **options: object) -> float:
    watch = Stopwatch()
    answer = await client.request(method, path, **options)  # type: ignore[arg-type]
    assert answer.status_code in (200, 303), f"{method} {path}: {answer.status_code} {answer.text[:200]}"
    return watch.seconds


async def measure(n: int) -> Measured:
    measured = Measured()
    log_like_the_worker()
    async with AsyncExitStack() as stack:
        env = await stack.enter_async_context(dev_server())
        store = await stack.enter_async_context(fresh_store())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-desk-")))
        address = env.client.service_client.config.target_host
        settings = load_settings(
            temporal_address=address, database_url=store.url, payload_key_file=folder / "payload.key"
        )
        ctx = await stack.enter_async_context(open_context(settings))
        queue = await stack.enter_async_context(engine_worker(ctx.client, store))
        today = datetime.now(UTC).date()
        loaded = await accounts(store, n, prefix="D", today=today)
        plans = strategy()
        for account in loaded:
            await ctx.client.start_workflow(
                AccountCollectionsWorkflow.run, start_input(plans, account), id=workflow_id_for(account.account_id),
                task_queue=queue,
            )  # fmt: skip
        async with store.sessions() as session, session.begin():
            for account in loaded:  # each waits for a person: a callback due today
                await repository.add_note(
                    session, account_id=account.account_id, author="bench", text="call back", remind_on=today,
                    now=datetime.now(UTC),
                )  # fmt: skip
        tokens_file = folder / "tokens.toml"
        collector = issue_token(tokens_file, "colin", Role.OPERATIONS)
        viewer = issue_token(tokens_file, "vic", Role.VIEWER)
        app = create_app(settings, load_web_settings(api_tokens_file=tokens_file))
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        desk = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://bench", cookies={"collections_token": collector})
        )
        plain = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://bench", cookies={"collections_token": viewer})
        )
        for client in (desk, plain):  # warm: templates compiled, connections open
            await timed(client, "GET", f"/accounts/{loaded[0].account_id}")
        for number, account in enumerate(loaded):
            path = f"/accounts/{account.account_id}"
            pair = [(desk, measured.desk), (plain, measured.plain)]
            for client, into in pair if number % 2 == 0 else reversed(pair):
                into.append(await timed(client, "GET", path))
        for number in range(n):  # a collector each: every one takes an account nobody holds
            token = issue_token(tokens_file, f"collector-{number}", Role.OPERATIONS)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", cookies={"collections_token": token}
            ) as collector_n:
                page = await collector_n.get("/queue")
                form = {"csrf": CSRF.findall(page.text)[0], "request_key": f"bench-{number}"}
                steps = [("take", "POST", "/queue/next", {"data": form}), ("queue", "GET", "/queue", {})]
                for name, method, path, options in steps if number % 2 == 0 else reversed(steps):
                    getattr(measured, name).append(await timed(collector_n, method, path, **options))
    return measured


async def main() -> int:
    args = parse_args(DESCRIPTION, default_n=DEFAULT_N, quick_n=QUICK_N, n_help="accounts (and pages of each kind)")
    n, results = args.n, []

    async def part() -> None:
        results.append(await measure(n))

    if not await run_part("the desk's pages", part, show_traceback=args.traceback):
        return 1
    found = results[0]
    desk, plain = median(found.desk), median(found.plain)
    take, queue = median(found.take), median(found.queue)
    figures_table(
        f"The desk, {n} accounts (median of {n} each, ABBA)",
        ["what", "median", "baseline", "baseline's median", "ratio"],
        [
            ["account page, workspace", f"{desk * 1000:.0f} ms", "read-only page", f"{plain * 1000:.0f} ms",
             ratio(desk / plain)],
            ["next account (claim)", f"{take * 1000:.0f} ms", "queue page", f"{queue * 1000:.0f} ms",
             ratio(take / queue)],
        ],
        caption="ratio: the desk's time over the baseline's, in the same process on the same server",
    )  # fmt: skip
    console.print(f"'next account' asked {len(found.take)} times, by as many collectors: each took one account")
    return 0


if __name__ == "__main__":
    run_main(main)
