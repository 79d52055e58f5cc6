"""The Temporal client: the connection (TLS, API key, retries) and the engine's search attributes on the server.

The worker's wiring (workflows, activities, sandbox) is worker_wiring.py's; this module imports none of it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, TLSConfig

from domain.workflow_contract import ALL_KEYS
from service.config import Settings
from service.payload_codec import data_converter

CONNECT_FIRST_WAIT_SECONDS = 1.0
CONNECT_MAX_WAIT_SECONDS = 30.0
log = structlog.get_logger("temporal")


class TemporalUnavailable(RuntimeError):
    """The Temporal service cannot be reached."""


async def connect(settings: Settings, *, metrics_address: str | None = None, tries: int = 1) -> Client:
    """A client of the Temporal service, tried up to `tries` times (waits of 1 s doubling to 30 s between).

    Each failed try that another follows logs one warning line `temporal.unreachable` (the address,
    error, attempt, seconds to the next try); after the last, TemporalUnavailable in one line.
    Payloads are encrypted unless PAYLOAD_ENCRYPTION=off (service/payload_codec.py: PAYLOAD_ENCRYPTION_KEYS,
    else the key file made on first run); a malformed setting is a ConfigError before any try.
    """
    converter = data_converter()
    runtime = None
    if metrics_address:
        runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=metrics_address)))
    wait = CONNECT_FIRST_WAIT_SECONDS
    for attempt in range(1, tries + 1):
        try:
            return await Client.connect(
                settings.temporal_address, namespace=settings.temporal_namespace, runtime=runtime,
                data_converter=converter, **connection_options(settings),
            )  # fmt: skip
        except (RuntimeError, RPCError) as err:
            error = str(err).splitlines()[0]
            if attempt == tries:
                raise TemporalUnavailable(
                    f"cannot reach Temporal at {settings.temporal_address} "
                    f"(namespace {settings.temporal_namespace}): {error}"
                ) from None
            log.warning(
                "temporal.unreachable",
                temporal_address=settings.temporal_address,
                namespace=settings.temporal_namespace,
                error=error,
                attempt=attempt,
                tries=tries,
                retry_in_seconds=wait,
            )
        await asyncio.sleep(wait)
        wait = min(wait * 2, CONNECT_MAX_WAIT_SECONDS)
    raise ValueError(f"tries must be at least 1, got {tries}")


def connection_options(settings: Settings) -> dict[str, Any]:
    """TLS (mTLS with a client certificate, or server-verified only) and an API key, from the settings."""
    options: dict[str, Any] = {}
    if settings.temporal_api_key is not None:
        options["api_key"] = settings.temporal_api_key.get_secret_value()
    files = (settings.temporal_tls_cert, settings.temporal_tls_key, settings.temporal_tls_ca)
    if any(files) or settings.temporal_tls or settings.temporal_api_key is not None:
        cert, key, ca = (path.read_bytes() if path else None for path in files)
        options["tls"] = TLSConfig(
            client_cert=cert, client_private_key=key, server_root_ca_cert=ca, domain=settings.temporal_tls_server_name
        )
    return options


async def register_search_attributes(client: Client) -> None:
    """The engine's search attributes on a server started without them (the time-skipping server)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in ALL_KEYS},
        )
    )


async def register_missing_search_attributes(client: Client) -> list[str]:
    """Register the engine's search attributes the server lacks; the names added.

    A dev server keeps the attributes its database was created with: one made before an attribute
    was added (say NeedsAttention) would fail every workflow task that upserts it.
    """
    known = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        k.name: IndexedValueType.ValueType(k.indexed_value_type)
        for k in ALL_KEYS
        if k.name not in known.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
        log.info("temporal.search_attributes_added", names=sorted(missing))
    return sorted(missing)
