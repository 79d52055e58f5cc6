"""Serving the web app with uvicorn: `python starter.py web` (and `make demo` starts it too)."""

from __future__ import annotations

import structlog
import uvicorn

from service.config import ConfigError, Settings
from service.logging import configure_logging
from service.payload_codec import announce_payload_protection
from service.web_config import WebSettings
from web.app import create_app

log = structlog.get_logger("web")


def serve(settings: Settings, web: WebSettings) -> None:
    """Serve until SIGINT/SIGTERM; uvicorn drains requests in flight. Logs go through structlog like the worker's."""
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    announce_payload_protection()  # encrypted with which key, or a warning: payloads in clear text
    web.check_serving()
    config = uvicorn.Config(
        create_app(settings, web), host=web.web_host, port=web.web_port, log_config=None, access_log=False,
        ssl_certfile=web.web_tls_cert, ssl_keyfile=web.web_tls_key,
    )  # fmt: skip
    log.info(
        "web.starting", host=web.web_host, port=web.web_port, tokens_file=str(web.api_tokens_file), tls=web.tls,
        behind_tls_proxy=web.web_behind_tls_proxy,
    )  # fmt: skip
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        raise ConfigError("the web service did not start: see the lines above")
