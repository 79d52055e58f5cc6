"""Email over SMTP (aiosmtplib). Without an SMTP host, email goes to the outbox like the other channels."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from service.config import Settings

# The server answered and refused: it did not take the message, so sending again cannot duplicate it.
_REFUSED = (
    aiosmtplib.SMTPConnectError,  # includes the connect timeout and a refused greeting
    aiosmtplib.SMTPHeloError,
    aiosmtplib.SMTPAuthenticationError,
    aiosmtplib.SMTPNotSupported,
    aiosmtplib.SMTPSenderRefused,
    aiosmtplib.SMTPRecipientRefused,
    aiosmtplib.SMTPRecipientsRefused,
    aiosmtplib.SMTPDataError,
)


class NotDelivered(Exception):
    """The SMTP server certainly did not accept the message. The text carries no address."""

    def __init__(self, message: str, *, code: int | None, permanent: bool) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class SmtpSender:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._username, self._password, self._starttls, self._timeout = username, password, starttls, timeout

    async def send(self, *, message_id: str, to: str, subject: str, body: str) -> None:
        """Send one plain-text message. `message_id` (the attempt's key) becomes its Message-ID.

        Raises NotDelivered when the server refused it; any other error (a timeout or a dropped
        connection after the data went out) leaves delivery unknown.
        """
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id_header(message_id, self.sender)
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self._username,
                password=self._password,
                start_tls=self._starttls,
                timeout=self._timeout,
            )
        except _REFUSED as err:
            code = getattr(err, "code", None)
            if isinstance(err, aiosmtplib.SMTPRecipientsRefused) and err.recipients:
                code = err.recipients[0].code
            permanent = isinstance(code, int) and 500 <= code < 600
            raise NotDelivered(f"SMTP server refused the message ({type(err).__name__}, code {code})",
                               code=code, permanent=permanent) from None  # fmt: skip


def message_id_header(message_id: str, sender: str) -> str:
    """`attempt:A1:3` -> `<attempt.A1.3@example.com>` (':' is not allowed in a Message-ID)."""
    left = message_id.replace(":", ".")
    if "@" not in left:
        left = f"{left}@{sender.rpartition('@')[2] or 'localhost'}"
    return f"<{left}>"


def sender_from_settings(settings: Settings) -> SmtpSender | None:
    """The SMTP sender the settings describe, or None (email then goes to the outbox)."""
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpSender(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
        username=settings.smtp_username,
        password=password,
        starttls=settings.smtp_starttls,
    )
