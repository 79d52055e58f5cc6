"""The demo run: the embedded dev server, a worker, a demo portfolio and a stream of debtor events."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console

from ops import account_workflows
from ops.accounts import load_accounts_file
from ops.context import open_context
from ops.demo_debtors import demo_events, feed_events, play_dialer, play_negotiations
from ops.errors import OpsError
from ops.live import watch_stages, web_ui_address
from ops.mail_sink import MailSink
from ops.synthetic import synthetic_portfolio_csv
from ops.views import contact_summary
from service.config import Settings
from service.temporal import TemporalUnavailable, connect
from store import repository
from web.config import load_web_settings
from web.tokens import Role, issue_token, revoke_token

DATA_DIR = Path(".data")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


async def _temporal_up(settings: Settings) -> bool:
    try:
        await connect(settings)
        return True
    except TemporalUnavailable:
        return False


async def _wait_for_temporal(settings: Settings, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await _temporal_up(settings):
        if server.poll() is not None:
            raise OpsError(f"the dev server exited with code {server.returncode}; see {DATA_DIR}/dev-server.log")
        if asyncio.get_running_loop().time() > deadline:
            raise OpsError(f"the dev server did not answer within {timeout:.0f} s; see {DATA_DIR}/dev-server.log")
        await asyncio.sleep(0.5)


def _spawn(args: list[str], log_name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    log = (DATA_DIR / log_name).open("ab")
    script, *rest = args
    command = [sys.executable, str(PROJECT_ROOT / script), *rest]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})


def demo_token(tokens_file: Path) -> str:
    """A fresh supervisor token for the demo's dashboard (the previous demo's is revoked)."""
    revoke_token(tokens_file, "demo")
    return issue_token(tokens_file, "demo", Role.SUPERVISOR)


def _stop(process: subprocess.Popen, timeout: float = 60) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()


US_ZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu",
]  # fmt: skip
WORLD_ZONES = ["Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]


def daytime_zones(now: datetime) -> list[str]:
    """Zones where it is 09:00-19:00 now, so the calling-hours rule lets the demo's contacts through.

    US zones when any is in daytime; otherwise (the small hours in the US) zones elsewhere.
    """
    for zones in (US_ZONES, WORLD_ZONES):
        awake = [z for z in zones if 9 <= now.astimezone(ZoneInfo(z)).hour < 19]
        if awake:
            return awake
    return US_ZONES


def demo_portfolio(accounts: int, seed: int) -> Path:
    """A fresh portfolio per run (ids carry the run's time), so every run shows accounts moving."""
    now = datetime.now(UTC)
    path = DATA_DIR / f"demo-portfolio-{now:%Y%m%d-%H%M%S}.csv"
    csv = synthetic_portfolio_csv(
        accounts, seed=seed, as_of=now.date(), prefix=f"D{now:%H%M%S}-", zones=daytime_zones(now)
    )
    path.write_text(csv)
    return path


async def run_demo(
    settings: Settings, console: Console, *, accounts: int, minutes: float, seed: int, stay: bool
) -> None:
    DATA_DIR.mkdir(exist_ok=True)
    if "COLLECTIONS_STRATEGY" not in os.environ:
        settings = settings.model_copy(update={"collections_strategy": "demo"})
    main = asyncio.current_task()
    assert main is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    accounts_file = demo_portfolio(accounts, seed)
    started: list[subprocess.Popen] = []
    mail = MailSink().start()
    try:
        if not await _temporal_up(settings):
            port = settings.temporal_address.rpartition(":")[2]
            console.print(f"starting the Temporal dev server on port {port} (log: {DATA_DIR}/dev-server.log)")
            server = _spawn(["starter.py", "dev-server", "--port", port], "dev-server.log")
            started.append(server)
            await _wait_for_temporal(settings, server)
        console.print(f"starting worker.py (log: {DATA_DIR}/worker.log)")
        worker_env = {
            "SMTP_HOST": mail.host,
            "SMTP_PORT": str(mail.port),
            "COLLECTIONS_STRATEGY": settings.collections_strategy,
        }
        started.append(_spawn(["worker.py"], "worker.log", worker_env))
        web = load_web_settings()
        strategy_env = {"COLLECTIONS_STRATEGY": settings.collections_strategy}
        started.append(_spawn(["starter.py", "web"], "web.log", strategy_env))
        console.print(
            f"dashboard: http://{web.web_host}:{web.web_port}/  sign in as supervisor 'demo' with the token "
            f"{demo_token(web.api_tokens_file)}  (log: {DATA_DIR}/web.log)"
        )
        loaded = await load_accounts_file(accounts_file, settings.database_url)
        console.print(
            f"loaded {accounts_file}: {loaded.inserted} new, {loaded.updated} updated, {loaded.unchanged} unchanged"
        )
        async with open_context(settings) as ctx:
            ids = await account_workflows.past_due_accounts(ctx, datetime.now(UTC).date())
            summary = await account_workflows.start_accounts(ctx, ids)
            console.print(
                f"{len(summary.started)} workflows started, {len(summary.already_started)} already running or ended"
            )
            async with ctx.sessions() as session:
                balances = {a: (await repository.get_account(session, a)).balance_cents for a in summary.started}  # type: ignore[union-attr]
            recent: list[str] = []
            feeder = asyncio.create_task(
                feed_events(ctx, demo_events(balances, seconds=minutes * 60, seed=seed), recent)
            )
            dialer = asyncio.create_task(play_dialer(ctx, set(summary.started), recent, seed=seed, stop=lambda: False))
            desk = asyncio.create_task(
                play_negotiations(ctx, set(summary.started), recent, seed=seed, stop=lambda: False)
            )
            console.print(f"Temporal Web UI: {web_ui_address(settings.temporal_address)}  (Ctrl-C to stop)")
            loop = asyncio.get_running_loop()
            settle_until: list[float] = []

            def finished() -> bool:
                if not feeder.done() or stay:
                    return False
                settle_until[:] = settle_until or [loop.time() + 5]
                return loop.time() > settle_until[0]

            feeder.add_done_callback(lambda _: recent.append("(all demo events sent)"))

            async def contact_activity() -> list[str]:
                return [*await contact_summary(ctx), f"emails received by the demo mail server: {len(mail.messages)}"]

            await watch_stages(ctx, console, interval=1.0, recent=recent, until=finished, activity=contact_activity)
            dialer.cancel()
            desk.cancel()
            await feeder
    finally:
        mail.stop()
        for process in reversed(started):
            _stop(process)
