"""A loopback SMTP server (aiosmtpd) that keeps every message it receives."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass
class ReceivedMail:
    envelope_from: str
    envelope_to: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())


@dataclass
class CollectingHandler:
    received: list[ReceivedMail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: CollectingHandler

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def smtp_server() -> AsyncIterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 and a free port for the block's duration."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname=HOST, port=free_port())
    controller.start()
    try:
        yield SmtpServer(HOST, controller.port, handler)
    finally:
        controller.stop()
