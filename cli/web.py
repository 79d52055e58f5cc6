"""`starter.py web` (the dashboard and the event API) and `starter.py token` (who may use them)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from cli.common import console, fail, settings
from cli.output import id_column, new_table, print_table
from service.config import ConfigError
from service.web_config import load_web_settings
from web.tokens import Role, TokenError, issue_token, load_tokens, revoke_token

token_app = typer.Typer(no_args_is_help=True, help="Tokens for the web dashboard and the event API.")


def _tokens_file() -> Path:
    try:
        return load_web_settings().api_tokens_file
    except ConfigError as err:
        fail(str(err))


@token_app.command("add")
def token_add(
    name: Annotated[str, typer.Option(help="Who holds it (recorded with every write they make).")],
    role: Annotated[Role, typer.Option(help="viewer, operations or supervisor.")],
) -> None:
    """Issue a token; it is printed once and only its hash is kept."""
    try:
        token = issue_token(_tokens_file(), name, role)
    except TokenError as err:
        fail(str(err))
    console.print(token, soft_wrap=True, highlight=False)


@token_app.command("list")
def token_list() -> None:
    """Who holds a token, with which role (the tokens themselves are not kept)."""
    try:
        book = load_tokens(_tokens_file())
    except TokenError as err:
        fail(str(err))
    if not book.entries:
        console.print("no tokens (add one with `token add`)", highlight=False)
        return
    table = new_table(id_column("name", (caller.name for _, caller in book.entries)), "role")
    for _, caller in book.entries:
        table.add_row(caller.name, caller.role)
    print_table(console, table)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Option(help="Whose token to revoke.")]) -> None:
    """Revoke a token: it stops working at the next request."""
    if not revoke_token(_tokens_file(), name):
        fail(f"{name} has no token")
    console.print(f"token of {name} revoked")


def web(
    host: Annotated[str | None, typer.Option(help="Address to listen on (WEB_HOST, default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (WEB_PORT, default 8080).")] = None,
    behind_tls_proxy: Annotated[
        bool, typer.Option(help="A TLS-terminating proxy fronts it: listen beyond loopback (WEB_BEHIND_TLS_PROXY).")
    ] = False,
) -> None:
    """Serve the supervisor dashboard and the JSON event API (tokens: `starter.py token add`).

    Beyond loopback only with HTTPS (WEB_TLS_CERT and WEB_TLS_KEY) or behind a TLS proxy (--behind-tls-proxy).
    """
    from domain.strategy import StrategyError
    from ops.strategies import load_strategy
    from service.temporal import TemporalUnavailable, connect
    from web.server import serve

    given = (("web_host", host), ("web_port", port), ("web_behind_tls_proxy", behind_tls_proxy or None))
    try:
        web_settings = load_web_settings(**{k: v for k, v in given if v is not None})
        web_settings.check_serving()
    except ConfigError as err:
        fail(str(err))
    try:
        load_strategy(settings().collections_strategy)  # a broken COLLECTIONS_STRATEGY stops it before it listens
    except StrategyError as err:
        fail(str(err))
    try:
        asyncio.run(connect(settings()))  # Temporal first: a person gets one line, not uvicorn's traceback
    except TemporalUnavailable as err:
        fail(f"{err}: start it (`collections dev-server`) or set TEMPORAL_ADDRESS")
    scheme = "https" if web_settings.tls else "http"
    where = f"{scheme}://{web_settings.web_host}:{web_settings.web_port}"
    console.print(f"dashboard: {where}/  API: /api (docs /api/docs, with a token)")
    try:
        serve(settings(), web_settings)
    except ConfigError as err:  # PAYLOAD_ENCRYPTION_KEYS, read when the codec endpoint is built
        fail(str(err))
