"""The demo run: the embedded dev server, a worker, the web service, a demo portfolio and its debtors.

Everything the demo runs is supervised: the processes it started (dev server, worker, web service) and
its actors (debtors, dialer, negotiation desk, the second wave). One that stops stops the demo, with one
line saying which and why; the processes are stopped on the way out whatever happened.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console

from domain.intake import parse_accounts_csv
from domain.rule_packs import PACKS, jurisdictions_of
from domain.timezones import KnownPoint, point_zones
from ops import account_workflows
from ops.accounts import load_accounts_file
from ops.context import OpsContext, open_context
from ops.demo_cast import Cast, cast, scripted_events
from ops.demo_debtors import feed_events, play_dialer, play_negotiations
from ops.errors import OpsError
from ops.live import PROMISED_STAGES, reached_line, watch_stages, web_ui_address
from ops.mail_sink import MailSink
from ops.operators import ensure_first_operator, os_user
from ops.outbox import export_letters
from ops.synthetic import FAR_PLACES, PLACES, Place, synthetic_portfolio_csv
from ops.views import contact_summary
from service.config import Settings
from service.files import open_private, private_dir
from service.temporal import TemporalUnavailable, connect
from service.tokens import Role, issue_token, revoke_token
from service.web_config import load_web_settings
from store import repository
from store.db import ensure_schema

DATA_DIR = Path(".data")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTLE_SECONDS = 5.0
"""After the last event, how long the view stays so the last answers show (headless or --no-stay)."""


class DemoStopped(OpsError):
    """A part of the demo stopped; the message says which and why, in one line."""


@dataclass
class Recent:
    """The latest events, for the live view; a headless run prints each once."""

    lines: list[str] = field(default_factory=list)

    def __call__(self, line: str) -> None:
        self.lines.append(line)


async def _temporal_up(settings: Settings) -> bool:
    try:
        await connect(settings)
        return True
    except TemporalUnavailable:
        return False


async def _wait_for(
    what: str, ready: Callable[[], Awaitable[bool]], process: subprocess.Popen, log: str, timeout: float = 90
) -> None:
    """Wait until `ready()` answers true; refuse in one line if the process exits or time runs out."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await ready():
        if process.poll() is not None:
            raise DemoStopped(f"{what} exited with code {process.returncode} at start-up; see {DATA_DIR / log}")
        if asyncio.get_running_loop().time() > deadline:
            raise DemoStopped(f"{what} did not answer within {timeout:.0f} s; see {DATA_DIR / log}")
        await asyncio.sleep(0.5)


def _answers(url: str) -> Callable[[], Awaitable[bool]]:
    async def ready() -> bool:
        def get() -> bool:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback, our own service)
                    return bool(response.status == 200)
            except OSError:
                return False

        return await asyncio.to_thread(get)

    return ready


def _spawn(args: list[str], log_name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    log = open_private(DATA_DIR / log_name, "ab")
    script, *rest = args
    command = [sys.executable, str(PROJECT_ROOT / script), *rest]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})


def _stop(process: subprocess.Popen, timeout: float = 60) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()


DEMO_COLLECTOR = "collector"
"""The demo's collector (operations role) on the desk: proposes what the supervisor `demo` approves."""


def demo_token(tokens_file: Path, name: str = "demo", role: Role = Role.SUPERVISOR) -> str:
    """A fresh token for the demo's desk (the previous demo's of that name is revoked)."""
    revoke_token(tokens_file, name)
    return issue_token(tokens_file, name, role)


def place_zones(place: Place) -> tuple[str, ...]:
    """Every zone a debtor living at `place` may be in, by the gate's own rule (address and phone)."""
    _city, state, _postal, zone, area = place
    phone = KnownPoint("phone", f"+1{area}5550100")
    return point_zones(phone, points=[phone], address_zone=zone or None, state=state)


def daytime_places(now: datetime, *, minutes: float = 15) -> list[Place]:
    """Places where it is daytime now and for the next `minutes` in every zone the debtor may be in, so
    the calling-hours rule (1006.6(b)(1)(i)) lets the demo's contacts through: the 50 states first, then
    Hawaii, Alaska and the territories; among them, those no rule pack tightens. Between about 10:45 and
    12:00 UTC it is before 08:00 or after 21:00 everywhere in the US and its territories: then none (the
    caller says so)."""
    until = now + timedelta(minutes=minutes)

    def awake(place: Place, first: int, last: int) -> bool:
        zones = [ZoneInfo(z) for z in place_zones(place)]
        return all(time(first) <= at.astimezone(z).time() < time(last) for z in zones for at in (now, until))

    for first, last in ((9, 19), (8, 21)):
        for candidates in ([*PLACES, *DEMO_PLACES], [*PLACES, *DEMO_PLACES, *FAR_PLACES]):
            found = [place for place in candidates if awake(place, first, last)]
            if found:
                return [place for place in found if not tightened(place)] or found
    return []


DEMO_PLACES: list[Place] = [("Atlanta", "GA", "30303", "America/New_York", "404")]
"""Eastern time with no rule pack: between 13:00 and 15:00 UTC only the Eastern zone is awake, and New York
City's 3 communications in 7 days (6 RCNY 5-77) would keep every debtor from ever being referred."""


def tightened(place: Place) -> bool:
    """A state or city rule pack tightens Regulation F there (domain/rule_packs.py): the demo's minutes-long
    cadence would wait a week, so the demo prefers places without one."""
    city, state, postal, _zone, _area = place
    return any(j in PACKS for j in jurisdictions_of(state=state, city=city, postal_code=postal))


CLOSED_EVERYWHERE = (
    "it is before 08:00 or after 21:00 in every US time zone and territory now: Regulation F holds every call, "
    "text and email (1006.6(b)(1)(i)) until Puerto Rico's 08:00 (12:00 UTC); letters go out, accounts wait"
)


def demo_portfolio(accounts: int, seed: int, console: Console | None = None) -> Path:
    """A fresh portfolio per run (ids carry the run's time), so every run shows accounts moving: its
    debtors live where it is daytime (`daytime_places`)."""
    now = datetime.now(UTC)
    path = DATA_DIR / f"demo-portfolio-{now:%Y%m%d-%H%M%S}.csv"
    places = daytime_places(now)
    if not places and console is not None:
        console.print(CLOSED_EVERYWHERE)
    csv = synthetic_portfolio_csv(
        accounts, seed=seed, as_of=now.date(), prefix=f"D{now:%H%M%S}-", places=places or PLACES
    )
    path.write_text(csv)
    return path


async def _supervised(name: str, work: Coroutine[Any, Any, Any]) -> None:
    """Run one part of the demo; if it ends with an error, say which part and why, in one line."""
    try:
        await work
    except (asyncio.CancelledError, DemoStopped):
        raise
    except Exception as err:
        cause = _first_cause(err) if isinstance(err, BaseExceptionGroup) else err
        raise DemoStopped(f"the demo's {name} stopped: {type(cause).__name__}: {cause}".splitlines()[0]) from err


async def _watch_process(name: str, process: subprocess.Popen, log: str) -> None:
    while process.poll() is None:
        await asyncio.sleep(0.5)
    raise DemoStopped(f"{name} exited with code {process.returncode}; see {DATA_DIR / log}")


async def _start_second_wave(ctx: OpsContext, the_cast: Cast, recent: Recent, *, began: float) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, began + the_cast.second_wave_at - loop.time()))
    if the_cast.second_wave:
        summary = await account_workflows.start_accounts(ctx, the_cast.second_wave)
        recent(f"second wave: {len(summary.started)} more accounts start in contacting")


async def run_demo(
    settings: Settings,
    console: Console,
    *,
    accounts: int,
    minutes: float,
    seed: int,
    stay: bool,
    headless: bool = False,
) -> dict[str, int]:
    """Run the demo for `minutes` (or, on a terminal with `stay`, until Ctrl-C); the stages reached."""
    private_dir(DATA_DIR)
    console.soft_wrap = True  # a line (the token, an id) is never broken, whatever the width
    if "COLLECTIONS_STRATEGY" not in os.environ:
        settings = settings.model_copy(update={"collections_strategy": "demo"})
    main = asyncio.current_task()
    assert main is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    accounts_file = demo_portfolio(accounts, seed, console)
    processes: list[tuple[str, subprocess.Popen, str]] = []
    mail = MailSink().start()
    try:
        await ensure_schema(settings.database_url)  # before the processes that share the store start
        if first := ensure_first_operator(settings.operators_file):
            console.print(
                f"you set this engine up, so the CLI knows you (OS user {os_user()}) as {first.name}, a {first.role} "
                f"({settings.operators_file}; add others with `collections operator add`)"
            )
        if not await _temporal_up(settings):
            port = settings.temporal_address.rpartition(":")[2]
            console.print(f"starting the Temporal dev server on port {port} (log: {DATA_DIR}/dev-server.log)")
            server = _spawn(["starter.py", "dev-server", "--port", port], "dev-server.log")
            processes.append(("the Temporal dev server", server, "dev-server.log"))
            await _wait_for("the Temporal dev server", lambda: _temporal_up(settings), server, "dev-server.log")
        console.print(f"starting worker.py (log: {DATA_DIR}/worker.log)")
        worker_env = {
            "SMTP_HOST": mail.host,
            "SMTP_PORT": str(mail.port),
            "COLLECTIONS_STRATEGY": settings.collections_strategy,
        }
        processes.append(("worker.py", _spawn(["worker.py"], "worker.log", worker_env), "worker.log"))
        web = load_web_settings()
        token = demo_token(web.api_tokens_file)
        web_process = _spawn(["starter.py", "web"], "web.log", {"COLLECTIONS_STRATEGY": settings.collections_strategy})
        processes.append(("the web service", web_process, "web.log"))
        dashboard = f"http://{web.web_host}:{web.web_port}/"
        await _wait_for("the web service", _answers(f"{dashboard}login"), web_process, "web.log")
        console.print(f"dashboard: {dashboard}  (log: {DATA_DIR}/web.log)")
        console.print(f"  sign in as supervisor 'demo' with this token:\n  {token}")  # its own line: copied whole
        collector = demo_token(web.api_tokens_file, DEMO_COLLECTOR, Role.OPERATIONS)
        console.print(f"  or as collector '{DEMO_COLLECTOR}' (the desk, from the work queue) with this one:")
        console.print(f"  {collector}")
        if not console.is_terminal:  # on a terminal the live view's header shows it
            console.print(f"Temporal Web UI: {web_ui_address(settings.temporal_address)}")
        loaded = await load_accounts_file(accounts_file, settings.database_url)
        console.print(
            f"loaded {accounts_file}: {loaded.inserted} new, {loaded.updated} updated, {loaded.unchanged} unchanged"
        )
        async with open_context(settings) as ctx:
            try:
                run_ids = [record.account_id for record in parse_accounts_csv(accounts_file.read_text())]
                return await _play(
                    ctx, console, processes, mail, run_ids, minutes=minutes, seed=seed, stay=stay and not headless
                )
            except BaseExceptionGroup as group:
                raise _first_cause(group) from None
    finally:
        mail.stop()
        for _, process, _ in reversed(processes):
            _stop(process)


async def _play(
    ctx: OpsContext,
    console: Console,
    processes: list[tuple[str, subprocess.Popen, str]],
    mail: MailSink,
    run_ids: list[str],
    *,
    minutes: float,
    seed: int,
    stay: bool,
) -> dict[str, int]:
    """Play this run's accounts (an earlier run's, in the same `.data/`, go on as they were)."""
    seconds = minutes * 60
    past_due = set(await account_workflows.past_due_accounts(ctx, datetime.now(UTC).date()))
    ids = [account for account in run_ids if account in past_due]
    the_cast = cast(ids, seconds=seconds, seed=seed)
    summary = await account_workflows.start_accounts(ctx, the_cast.first_wave)
    later = (
        f"; {len(the_cast.second_wave)} more start in {the_cast.second_wave_at:.0f} s" if the_cast.second_wave else ""
    )
    console.print(
        f"{len(summary.started)} workflows started, {len(summary.already_started)} already running or ended{later}"
    )
    async with ctx.sessions() as session:
        balances = {a.account_id: a.balance_cents for a in (await repository.get_accounts(session, ids)).values()}
    recent = Recent()
    loop = asyncio.get_running_loop()
    began = loop.time()
    events = scripted_events(the_cast, balances, seconds=seconds, seed=seed)

    async def contacts() -> list[str]:
        return [*await contact_summary(ctx), f"emails received by the demo mail server: {len(mail.messages)}"]

    async def reached() -> dict[str, int]:
        async with ctx.sessions() as session:
            return await repository.stages_reached(session, ids)

    def finished() -> bool:
        return not stay and loop.time() > began + seconds + SETTLE_SECONDS

    async with asyncio.TaskGroup() as group:
        actors = [
            *(_supervised(name, _watch_process(name, process, log)) for name, process, log in processes),
            _supervised("debtors", feed_events(ctx, events, recent, began=began)),
            _supervised("dialer", play_dialer(ctx, the_cast, recent, seed=seed)),
            _supervised("negotiation desk", play_negotiations(ctx, the_cast, recent, seed=seed)),
            _supervised("second wave", _start_second_wave(ctx, the_cast, recent, began=began)),
        ]
        tasks = [group.create_task(actor) for actor in actors]
        await watch_stages(
            ctx, console, interval=1.0, recent=recent.lines, until=finished, activity=contacts, reached=reached
        )
        for task in tasks:
            task.cancel()
    final = await reached()
    console.print(reached_line(final))
    missing = [stage for stage in PROMISED_STAGES if not final.get(stage)]
    if missing:
        console.print(f"not reached in this run: {', '.join(missing)}")
    await export_run_letters(ctx.settings.database_url, console)
    return final


async def export_run_letters(database_url: str, console: Console) -> None:
    """The letters the run queued, as the print house would get them: PDFs (the validation notice as Model
    Form B-1) in a new folder under `.data/letters/`, with the batch PDF and the manifest. At the end of a
    timed run, and when a person stops the live view with Ctrl-C."""
    folder = private_dir(DATA_DIR / "letters") / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    done = await export_letters(database_url, folder, datetime.now(UTC), by="demo")
    if done.batch is None:
        console.print("no letters queued in this run")
    else:
        console.print(f"the run's letters as print-ready PDFs (batch {done.batch}, {done.description}) in {folder}/")
        console.print(f"  {done.summary}")


def _first_cause(group: BaseExceptionGroup) -> BaseException:
    """Why the demo stopped: the first part that failed (a DemoStopped names it), else the first error."""
    leaves: list[BaseException] = []

    def collect(err: BaseException) -> None:
        if isinstance(err, BaseExceptionGroup):
            for inner in err.exceptions:
                collect(inner)
        elif not isinstance(err, asyncio.CancelledError):
            leaves.append(err)

    collect(group)
    named = [err for err in leaves if isinstance(err, DemoStopped)]
    return (named or leaves or [group])[0]
