"""A cluster behind mTLS: the engine connects with the client certificate from the environment, and
without one it is refused. The dev server speaks plaintext, so a TLS-terminating proxy (ALPN h2,
client certificates required, a test CA from `trustme`) stands in front of it, as a load balancer would.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import pytest
import trustme
from temporalio.testing import WorkflowEnvironment

from service.config import ConfigError, load_settings
from service.temporal import TemporalUnavailable, connect, connection_options


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError, asyncio.CancelledError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    writer.close()


@asynccontextmanager
async def mtls_proxy(ca: trustme.CA, upstream: str) -> AsyncIterator[str]:
    """A TLS endpoint on loopback that requires a client certificate signed by `ca`, forwarding to `upstream`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])
    host, _, port = upstream.rpartition(":")

    async def forward(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))

    server = await asyncio.start_server(forward, "127.0.0.1", 0, ssl=context)
    try:
        yield f"localhost:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


@pytest.fixture
def pki(tmp_path: Path) -> tuple[trustme.CA, dict[str, Path]]:
    ca = trustme.CA()
    client = ca.issue_cert("collections-worker")
    files = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "client.pem", "key": tmp_path / "client.key"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    client.cert_chain_pems[0].write_to_path(str(files["cert"]))
    client.private_key_pem.write_to_path(str(files["key"]))
    return ca, files


async def test_the_engine_connects_through_mtls_with_the_certificate_from_the_environment(
    local_env: WorkflowEnvironment, pki: tuple[trustme.CA, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, files = pki
    async with mtls_proxy(ca, local_env.client.service_client.config.target_host) as address:
        monkeypatch.setenv("TEMPORAL_ADDRESS", address)
        monkeypatch.setenv("TEMPORAL_TLS_CA", str(files["ca"]))
        monkeypatch.setenv("TEMPORAL_TLS_CERT", str(files["cert"]))
        monkeypatch.setenv("TEMPORAL_TLS_KEY", str(files["key"]))
        client = await connect(load_settings())
        counted = await client.count_workflows()
        monkeypatch.delenv("TEMPORAL_TLS_CERT")
        monkeypatch.delenv("TEMPORAL_TLS_KEY")
        monkeypatch.setenv("TEMPORAL_TLS", "true")
        with pytest.raises(TemporalUnavailable) as refused:
            await connect(load_settings())
    assert counted.count >= 0, "a call went through the mTLS channel"
    assert str(refused.value).startswith(f"cannot reach Temporal at {address}"), "no client certificate: refused"


def test_a_half_configured_certificate_is_refused_in_one_line(
    pki: tuple[trustme.CA, dict[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, files = pki
    monkeypatch.setenv("TEMPORAL_TLS_CERT", str(files["cert"]))
    with pytest.raises(ConfigError) as missing_key:
        load_settings()
    monkeypatch.setenv("TEMPORAL_TLS_KEY", str(files["key"].with_name("nowhere.key")))
    with pytest.raises(ConfigError) as missing_file:
        load_settings()
    assert str(missing_key.value) == (
        "invalid environment: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (the client certificate and its key)"
    )
    assert "TEMPORAL_TLS_KEY: no such file" in str(missing_file.value)


def test_an_api_key_is_sent_over_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_API_KEY", "secret-key")
    options = connection_options(load_settings())
    assert options["api_key"] == "secret-key" and options["tls"].client_cert is None
    assert "secret-key" not in repr(load_settings()), "the key stays out of reprs and logs"
