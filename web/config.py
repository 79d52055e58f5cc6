"""The web service's own settings, from the environment like the rest (WEB_HOST, WEB_PORT, API_TOKENS_FILE)."""

from __future__ import annotations

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


def load_web_settings(**overrides: object) -> WebSettings:
    try:
        return WebSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        raise ConfigError(f"{str(first['loc'][0]).upper()}: {first['msg']}") from None
