"""Payload encryption end to end: dev server, worker.py, the CLI and the web service as processes, all with keys.

The history the server keeps holds no personal data in clear; the engine's own clients (the CLI,
a client with the codec) read it; the web service's codec endpoint decodes it for the Temporal Web
UI and for `temporal --codec-endpoint`, to holders of a token with the read permission only.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory

from domain.messages import AccountStatus
from ops.account_view import local_activity_type
from service.dev_server import bundled_executable
from service.payload_codec import ENCODING, KEY_ID_HEADER, EncryptionCodec, parse_keys
from tests.support.accounts import eventually
from tests.support.payloads import history_payloads, new_key, raw_bytes, with_keys
from tests.web.conftest import PORTFOLIO, WebService
from workflows.account import AccountCollectionsWorkflow

pytestmark = pytest.mark.e2e
KEYS = f"k1:{new_key()}"
WEB_UI = "http://localhost:8233"
REPRESENTATIVE = {"name": "Rosalind Quexley", "email": "r.quexley@example.org", "phone": "(312) 555-0142"}
DISPUTE_REASON = "statements went to 42 Wallaby Way after the move"
W1_DEBTOR = PORTFOLIO[0].split(",")[1:6]  # name, phone, email, street, city, as loaded
PERSONAL = [
    *REPRESENTATIVE.values(), "Quexley", "5550142", "Wallaby", *W1_DEBTOR, "Pat Doe", "pat1@example.com", "5550101",
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def encryption_keys() -> Iterator[str]:
    """Every process of this module's engine (worker, CLI, web service) gets the keys from its environment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PAYLOAD_ENCRYPTION_KEYS", KEYS)
        patch.setenv("CODEC_CORS_ORIGINS", WEB_UI)
        yield KEYS


async def plain_client(web: WebService) -> Client:
    """A client of the engine's dev server without the codec: it sees what the server stores."""
    return await Client.connect(web.operator.env["TEMPORAL_ADDRESS"])


def completed(history: WorkflowHistory, activity: str) -> bool:
    """Whether the (local) store activity `activity` has completed in this history: its marker is there."""
    return any(local_activity_type(e) == activity for e in history.events)


@pytest.fixture(scope="module")
async def estate_history(web_service: WebService) -> WorkflowHistory:
    """W1's debtor died; the estate's representative (name, email, phone) and a dispute naming an address
    went to the workflow: personal data that does travel in payloads. The history once all is recorded."""
    operator = web_service.operator
    deadline = (date.today() + timedelta(days=90)).isoformat()
    for event in (
        ["deceased", "W1", "--date-of-death", (date.today() - timedelta(days=3)).isoformat()],
        ["probate", "W1", "--representative", REPRESENTATIVE["name"], "--email", REPRESENTATIVE["email"],
         "--phone", REPRESENTATIVE["phone"], "--claims-deadline", deadline],
        ["dispute", "W1", "--reason", DISPUTE_REASON],
    ):  # fmt: skip
        done = operator("event", *event)
        assert done.returncode == 0, done.stderr
    handle = (await plain_client(web_service)).get_workflow_handle("account-W1")

    async def recorded() -> WorkflowHistory | None:
        history = await handle.fetch_history()
        signals = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]
        return history if completed(history, "add_representative") and len(signals) == 3 else None

    history = await eventually(recorded, lambda h: h is not None, timeout=60, what="probate and dispute recorded")
    assert history is not None
    return history


async def test_the_server_holds_no_personal_data_in_clear_and_the_engines_clients_read_it(
    web_service: WebService, estate_history: WorkflowHistory
) -> None:
    stored = raw_bytes(estate_history)
    leaked = [text for text in PERSONAL if text.encode().lower() in stored.lower()]
    assert leaked == []
    payloads = history_payloads(estate_history)
    assert payloads and {p.metadata["encoding"] for p in payloads} == {ENCODING}
    assert {p.metadata[KEY_ID_HEADER] for p in payloads} == {b"k1"}

    decoded = b"\n".join(p.data for p in await EncryptionCodec(parse_keys(KEYS)).decode(payloads))
    for text in (*REPRESENTATIVE.values(), DISPUTE_REASON):
        assert text.encode() in decoded, f"{text} went through the workflow, encrypted"
    status = (
        await with_keys(await plain_client(web_service), KEYS)
        .get_workflow_handle("account-W1")
        .query(AccountCollectionsWorkflow.status)
    )
    assert isinstance(status, AccountStatus) and status.hold is not None
    assert web_service.operator.status("W1")["account_id"] == "W1", "the CLI reads through the codec"
    for log in (web_service.log, web_service.log.parent / "worker.log"):
        text = log.read_text()
        assert [t for t in PERSONAL if t.lower() in text.lower()] == [], f"{log.name} leaks personal data"


def codec_call(web: WebService, path: str, body: Any, token: str | None = "vera", **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {web.tokens[token]}"
    content = body if isinstance(body, str) else json.dumps(body)
    headers.setdefault("Content-Type", "application/json")
    return httpx.post(f"{web.url}/codec/{path}", content=content, headers={"X-Namespace": "default", **headers})


def as_json(payload: dict[str, Any]) -> dict[str, str]:
    """A payload as the protocol's JSON carries it: bytes in base64."""
    metadata = {key: base64.b64encode(value.encode()).decode() for key, value in payload["metadata"].items()}
    return {"metadata": metadata, "data": base64.b64encode(payload["data"].encode()).decode()}


def test_the_codec_endpoint_encrypts_and_decrypts_what_the_web_ui_sends(web_service: WebService) -> None:
    original = as_json({"metadata": {"encoding": "json/plain"}, "data": '"Pat Doe 1"'})

    encoded = codec_call(web_service, "encode", {"payloads": [original]}, Origin=WEB_UI)
    assert encoded.status_code == 200, encoded.text
    [sealed] = encoded.json()["payloads"]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == ENCODING
    assert base64.b64decode(sealed["metadata"][KEY_ID_HEADER]) == b"k1"
    assert b"Pat Doe" not in base64.b64decode(sealed["data"])
    assert encoded.headers["access-control-allow-origin"] == WEB_UI
    assert encoded.headers["access-control-allow-credentials"] == "true"

    decoded = codec_call(web_service, "decode", {"payloads": [sealed, original]}, Origin=WEB_UI)
    assert decoded.status_code == 200, decoded.text
    assert decoded.json() == {"payloads": [original, original]}


async def test_the_codec_endpoint_decodes_a_payload_from_the_servers_history(web_service: WebService) -> None:
    history = await (await plain_client(web_service)).get_workflow_handle("account-W2").fetch_history()
    start = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    body = {"payloads": [{
        "metadata": {k: base64.b64encode(v).decode() for k, v in start.metadata.items()},
        "data": base64.b64encode(start.data).decode(),
    }]}  # fmt: skip

    with httpx.Client(cookies={"collections_token": web_service.tokens["vera"]}) as browser:  # the dashboard login
        decoded = browser.post(f"{web_service.url}/codec/decode", json=body, headers={"Origin": WEB_UI})

    assert decoded.status_code == 200, decoded.text
    [payload] = decoded.json()["payloads"]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(payload["data"]))["account_id"] == "W2"


def test_the_codec_endpoint_wants_a_read_token_and_answers_the_browsers_preflight(web_service: WebService) -> None:
    body = {"payloads": []}
    anonymous = codec_call(web_service, "decode", body, token=None, Origin=WEB_UI)
    forged = codec_call(web_service, "decode", body, token=None, Authorization="Bearer not-a-token")
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "a valid token is required"})
    assert anonymous.headers["access-control-allow-origin"] == WEB_UI, "the Web UI can show the refusal"
    assert forged.status_code == 401
    assert codec_call(web_service, "decode", body, token="oscar").status_code == 200, "operations may read too"
    bad = codec_call(web_service, "decode", "{not json")
    assert bad.status_code == 400 and "protobuf JSON" in bad.json()["error"]

    asks = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    preflight = httpx.options(f"{web_service.url}/codec/decode", headers={"Origin": WEB_UI, **asks})
    stranger = httpx.options(f"{web_service.url}/codec/decode", headers={"Origin": "https://evil.example", **asks})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == WEB_UI
    assert {"authorization", "content-type", "x-namespace"} <= {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert stranger.status_code == 400 and "access-control-allow-origin" not in stranger.headers


def test_the_temporal_cli_reads_the_history_through_the_codec_endpoint(
    web_service: WebService, estate_history: WorkflowHistory
) -> None:
    show = ["workflow", "show", "--workflow-id", "account-W1", "--output", "json"]
    address = ["--address", web_service.operator.env["TEMPORAL_ADDRESS"]]
    codec = ["--codec-endpoint", f"{web_service.url}/codec", "--codec-auth", f"Bearer {web_service.tokens['vera']}"]
    temporal = str(bundled_executable("temporal"))
    through_codec = subprocess.run([temporal, *show, *address, *codec], capture_output=True, text=True, timeout=60)
    without = subprocess.run([temporal, *show, *address], capture_output=True, text=True, timeout=60)

    assert through_codec.returncode == 0 and without.returncode == 0, through_codec.stderr + without.stderr
    decoded, stored = payload_data(json.loads(through_codec.stdout)), payload_data(json.loads(without.stdout))
    assert REPRESENTATIVE["name"].encode() in decoded and DISPUTE_REASON.encode() in decoded
    assert REPRESENTATIVE["name"].encode() not in stored and b"Wallaby" not in stored


def payload_data(shown: Any) -> bytes:
    """The data of every payload in `temporal ... --output json` (base64 there), joined."""
    if isinstance(shown, list):
        return b"\n".join(payload_data(item) for item in shown)
    if not isinstance(shown, dict):
        return b""
    if "metadata" in shown and isinstance(shown.get("data"), str):
        return base64.b64decode(shown["data"])
    return b"\n".join(payload_data(value) for value in shown.values())
