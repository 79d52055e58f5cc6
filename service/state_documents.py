"""The workflow's AccountState as a JSON document the store keeps (an account's closing state) and back,
with the same converter Temporal uses for it in a history."""

from __future__ import annotations

import json
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.converter import default as default_converter

from domain.messages import AccountState

_JSON = b"json/plain"


def state_document(state: AccountState) -> dict[str, Any]:
    payload = default_converter().payload_converter.to_payload(state)
    document: dict[str, Any] = json.loads(payload.data)
    return document


def state_from_document(document: dict[str, Any]) -> AccountState:
    payload = Payload(metadata={"encoding": _JSON}, data=json.dumps(document).encode())
    state: AccountState = default_converter().payload_converter.from_payload(payload, AccountState)
    return state
