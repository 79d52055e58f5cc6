"""Configuration from the environment, validated once at start-up with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.bounds import CEILING_CENTS, DEFAULT_MAX_AMOUNT
from domain.money import format_cents, parse_amount
from domain.queue_priority import Weights, parse_weights
from domain.rule_packs import parse_licences

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///.data/collections.db"

DEFAULT_COMPANY_CONTACT = "Example Collections, PO Box 1000, Springfield, IL 62701, 1-800-555-0100"


class ConfigError(ValueError):
    """The environment does not describe a runnable engine."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_tls_cert: Path | None = None
    """mTLS: the client certificate (PEM) the cluster trusts; with TEMPORAL_TLS_KEY."""
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    """The CA (PEM) that signed the cluster's server certificate, when not a public one."""
    temporal_tls_server_name: str | None = None
    """The server name to verify, when it differs from the address's host."""
    temporal_tls: bool = False
    """TLS without a client certificate (an API-key namespace); implied by any TEMPORAL_TLS_* file."""
    temporal_api_key: SecretStr | None = None
    """A Temporal Cloud API key (sent as a bearer token; TLS is then on)."""
    temporal_connect_tries: int = Field(default=6, ge=1)
    """How often the worker tries to reach Temporal at start-up (1 s between the first tries, doubling)."""
    collections_task_queue: str = "collections"
    database_url: str = DEFAULT_DATABASE_URL
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    graceful_shutdown_seconds: float = Field(default=30.0, ge=0)
    max_concurrent_activities: int = Field(default=100, ge=1)
    max_concurrent_local_activities: int = Field(default=20, ge=1)
    """Store writes (local activities) run at once by one worker: about the store's connection pool (5 + 10
    overflow); more only queue for a connection or, on SQLite, for its one writer past its busy timeout."""
    max_concurrent_workflow_tasks: int = Field(default=100, ge=1)
    """Workflow tasks processed at once by one worker (workflows are CPU-bound: about 50 per core)."""
    max_concurrent_activity_polls: int = Field(default=5, ge=1)
    max_concurrent_workflow_task_polls: int = Field(default=5, ge=2)
    """Long-polls kept open to the task queue; more helps only when many workers share a busy queue."""
    max_history_events: int = Field(default=10_000, ge=100)
    smtp_host: str | None = None
    """SMTP server for email; unset, email goes to the outbox (exported like letters, texts and calls)."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = "collections@example.com"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    company_contact: str = DEFAULT_COMPANY_CONTACT
    """How debtors reach the collector: printed in every message (COMPANY_CONTACT)."""
    collector_licenses: str = ""
    """The collector's licence numbers by jurisdiction, printed on written messages where a rule pack asks
    (COLLECTOR_LICENSES="CA=10059-99,NY-NYC=2071234-DCA"); a California debtor's letter, email or text
    without one is not sent (Civ. Code 1788.11(f), domain/rule_packs.py)."""
    collections_strategy: str = "default"
    max_payment_amount: str = DEFAULT_MAX_AMOUNT
    """The largest payment, promise, disputed or settlement amount anyone may type in, in dollars."""
    metrics_address: str | None = None
    """host:port of the Prometheus endpoint (`/metrics`): the SDK's metrics and the engine's; unset, none."""
    metrics_refresh_seconds: float = Field(default=30.0, gt=0)
    """How often the worker refreshes the `collections_accounts` gauge (one GROUP BY over the store)."""
    health_address: str | None = None
    """host:port of the worker's `/healthz` (Temporal and the store reachable); unset, none."""
    health_check_timeout_seconds: float = Field(default=2.0, gt=0)
    """How long `/healthz` waits for each check (Temporal, the store) before calling it failed."""
    write_down_limit: str = "0.00"
    """The largest write-down (dispute upheld, write-off, discharge, close) a non-supervisor applies
    without a supervisor's approval, in dollars; 0.00: every one waits."""
    operators_file: Path = Path(".data/operators.toml")
    """Who each OS login is at the CLI: name and role, configured by an administrator (`operator add`)."""
    queue_priority: str = ""
    """The work queue's weights (QUEUE_PRIORITY="balance=1,days_past_due=2,promise_due=100,reminder=50,
    approval_answered=75"): the ones named replace domain/queue_priority.py's defaults."""
    queue_claim_minutes: int = Field(default=20, ge=1, le=24 * 60)
    """How long "next account" keeps an account for the collector who took it (QUEUE_CLAIM_MINUTES)."""

    @field_validator("queue_priority")
    @classmethod
    def _weights(cls, value: str) -> str:
        parse_weights(value)
        return value

    @property
    def priority_weights(self) -> Weights:
        return parse_weights(self.queue_priority)

    @field_validator("write_down_limit")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        parse_amount(value, allow_zero=True)
        return value

    @property
    def write_down_limit_cents(self) -> int:
        return parse_amount(self.write_down_limit, allow_zero=True)

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (the client certificate and its key)")
        for name in ("temporal_tls_cert", "temporal_tls_key", "temporal_tls_ca"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{name.upper()}: no such file {path}")
        return self

    @field_validator("metrics_address", "health_address", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("temporal_address", "metrics_address", "health_address")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return value
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"expected host:port, got {value!r}")
        return value

    @field_validator("collector_licenses")
    @classmethod
    def _licences(cls, value: str) -> str:
        parse_licences(value)
        return value

    @property
    def licences(self) -> dict[str, str]:
        return parse_licences(self.collector_licenses)

    @field_validator("max_payment_amount")
    @classmethod
    def _an_amount(cls, value: str) -> str:
        if parse_amount(value) > CEILING_CENTS:
            raise ValueError(f"at most {format_cents(CEILING_CENTS)}, got {value!r}")
        return value

    @property
    def max_payment_cents(self) -> int:
        return parse_amount(self.max_payment_amount)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("expected sqlite+aiosqlite://... or postgresql+asyncpg://...")
        return value


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (plus overrides), or ConfigError naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        first = err.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "environment"
        raise ConfigError(f"invalid {variable}: {first['msg'].removeprefix('Value error, ')}") from None
