"""Payloads as the server holds them: every Payload in a history, and clients with or without the codec."""

from __future__ import annotations

import base64
import os
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import History
from temporalio.client import Client, WorkflowHistory

from service.payload_codec import data_converter, payloads_in

PATCH_MARKER = "core_patch"
"""`workflow.patched` markers: the SDK's core writes the patch id itself, in clear, past the codec."""
LOCAL_ACTIVITY_MARKER = "core_local_activity"
"""A local activity's marker: its `result` goes through the codec; its `data` is the core's own bookkeeping
(activity type, sequence, attempt, schedule time), in clear, past the codec. Its input is never in history."""


def new_key() -> str:
    """A fresh key as PAYLOAD_ENCRYPTION_KEYS takes it (what `openssl rand -base64 32` prints)."""
    return base64.b64encode(os.urandom(32)).decode()


def with_keys(client: Client, keys: str) -> Client:
    """The same connection, with the engine's data converter for PAYLOAD_ENCRYPTION_KEYS=`keys`."""
    config: dict[str, Any] = {**client.config(), "data_converter": data_converter({"PAYLOAD_ENCRYPTION_KEYS": keys})}
    return Client(**config)


def raw_bytes(history: WorkflowHistory) -> bytes:
    """The history exactly as the server sent it, serialized: payload data appears here as it is stored."""
    return History(events=history.events).SerializeToString()


def history_payloads(history: WorkflowHistory) -> list[Payload]:
    """The payloads the codec encodes: all but search attributes, patch markers and the core's local-activity
    bookkeeping (no personal data in any)."""
    found: list[Payload] = []
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if marker.marker_name == LOCAL_ACTIVITY_MARKER:
            found.extend(marker.details["result"].payloads if "result" in marker.details else [])
        elif marker.marker_name != PATCH_MARKER:
            found.extend(payloads_in(event))
    return found
