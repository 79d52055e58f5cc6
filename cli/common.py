"""What every CLI command shares: the consoles, one-line failures, settings, the ops context, JSON output."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Coroutine
from datetime import date, datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from domain.intake import IntakeError
from domain.money import InvalidAmount
from domain.strategy import StrategyError
from ops.context import open_context
from ops.errors import OpsError
from ops.strategies import known_agency, load_strategy
from service.config import ConfigError, Settings, load_settings
from service.payload_codec import clear_text_warning
from service.temporal import TemporalUnavailable
from store.db import SchemaNotCurrent, store_location
from store.failures import one_line, store_refused, store_unavailable

console = Console()
errors = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
REFUSALS = (OpsError, IntakeError, ConfigError, TemporalUnavailable, SchemaNotCurrent, InvalidAmount, ValueError)


def fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    try:
        return asyncio.run(coroutine)
    except REFUSALS as err:
        fail(str(err))
    except Exception as err:
        if store_refused(err):
            fail(f"the account store refused the request: {one_line(err)}; nothing changed")
        if not store_unavailable(err):
            raise
        fail(f"account store unavailable ({store_location(settings().database_url)}): {one_line(err)}; try again")


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as err:
        fail(str(err))


def warn_if_clear_text() -> None:
    """With PAYLOAD_ENCRYPTION=off, one warning line on stderr before a command sends payloads to Temporal."""
    try:
        warning = clear_text_warning()
    except ConfigError as err:  # PAYLOAD_ENCRYPTION neither on nor off
        fail(str(err))
    if warning is not None:
        errors.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


async def with_context(action: Any) -> Any:
    warn_if_clear_text()
    async with open_context(settings()) as ctx:
        return await action(ctx)


def _json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=_json_default) + "\n")


def require_agency(agency: str) -> str:
    """An agency the configured strategy names, or a one-line refusal."""
    try:
        return known_agency(load_strategy(settings().collections_strategy), agency)
    except (StrategyError, OpsError) as err:
        fail(str(err))


def parse_date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be an ISO date (YYYY-MM-DD), got {value!r}")


def actor() -> str:
    """Who is at the keyboard, for the audit log: the configured identity's name (`operator add`), else the
    OS login; never a name from the command line or the environment (the writes that need a role use
    cli.identity.caller, which refuses without one)."""
    from ops.operators import load_operators, os_user

    try:
        found = load_operators(settings().operators_file).get(os_user())
    except OpsError as err:
        fail(str(err))
    return found.name if found is not None else os_user()
