"""Recorded workflow histories, one JSON file per scenario run (record.py makes them; tests/replay replays them)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.support.accounts import account_record

LIBRARY = Path(__file__).resolve().parent


def history_files(folder: Path = LIBRARY) -> list[Path]:
    """Every recorded history under `folder`, subfolders (older code's recordings) included, in a stable order."""
    return sorted(folder.rglob("*.json"))


def payload_text(history_json: str) -> str:
    """The history's text with every payload decoded: what a reader of the file could learn from it."""
    decoded: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("data"), str) and "metadata" in node:
                decoded.append(base64.b64decode(node["data"]).decode("utf-8", "replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json))
    return history_json + "\n" + "\n".join(decoded)


def personal_data_in(history_json: str) -> list[str]:
    """The test debtor's personal data (as tests.support.accounts loads it) found in the history, decoded."""
    record = account_record()
    personal = [record.debtor_name, record.email or "", record.street, (record.phone or "")[-10:]]
    text = payload_text(history_json)
    return [value for value in personal if value and value in text]
