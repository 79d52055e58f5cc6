"""The web service's own settings, from the environment like the rest (WEB_HOST, WEB_PORT, API_TOKENS_FILE, TLS)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.config import ConfigError


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    api_tokens_file: Path = Path(".data/api_tokens.toml")
    """Token hashes with their holder's name and role (`starter.py token add`)."""
    web_tls_cert: Path | None = None
    web_tls_key: Path | None = None
    """Serve HTTPS with this certificate (PEM, chain included) and its key."""
    web_behind_tls_proxy: bool = False
    """A TLS-terminating proxy fronts the service: it may listen beyond loopback without TLS of its own."""

    @property
    def tls(self) -> bool:
        return self.web_tls_cert is not None

    @property
    def secure_cookie(self) -> bool:
        """The sign-in cookie is `Secure` (sent over HTTPS only) wherever the service is not on loopback."""
        return self.tls or self.web_behind_tls_proxy or not is_loopback(self.web_host)

    def check_serving(self) -> None:
        """Refuse (ConfigError, one line) to serve tokens and personal data in clear beyond loopback."""
        if (self.web_tls_cert is None) != (self.web_tls_key is None):
            raise ConfigError("WEB_TLS_CERT and WEB_TLS_KEY go together: set both or neither")
        for name, path in (("WEB_TLS_CERT", self.web_tls_cert), ("WEB_TLS_KEY", self.web_tls_key)):
            if path is not None and not path.is_file():
                raise ConfigError(f"{name}: {path} is not a file")
        if not (self.tls or self.web_behind_tls_proxy or is_loopback(self.web_host)):
            raise ConfigError(
                f"{self.web_host} is not a loopback address: serve HTTPS (WEB_TLS_CERT and WEB_TLS_KEY) "
                "or say a TLS proxy fronts the service (--behind-tls-proxy, WEB_BEHIND_TLS_PROXY=1)"
            )


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def load_web_settings(**overrides: object) -> WebSettings:
    try:
        return WebSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        raise ConfigError(f"{str(first['loc'][0]).upper()}: {first['msg']}") from None
