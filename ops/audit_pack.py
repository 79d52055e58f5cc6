"""The audit pack of one account, for an examiner or a court: what the workflow did, what the store recorded,
every message sent, and a manifest of SHA-256 digests.

    DIR/history.json      every run of the workflow (continue-as-new chain), each replayable
    DIR/audit_log.csv     the store's audit log for the account (and .json)
    DIR/messages/         one file per message sent, named by attempt number and channel
    DIR/manifest.json     account, generated at, each file with its SHA-256
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.contact import Channel
from domain.contact_messages import AttemptStatus
from domain.workflow_contract import workflow_id_for
from ops.account_view import run_histories
from ops.account_workflows import require_account
from ops.context import OpsContext
from ops.csv_files import write_csv
from ops.errors import OpsError
from service.files import private_dir, write_private
from service.payload_codec import decrypted_history
from store import repository
from store.views import AttemptView, AuditEntryView, ContactPointView, OutboxView

AUDIT_COLUMNS = ("entry_id", "at", "actor", "action", "detail", "idempotency_key")
SENT = (AttemptStatus.SENT, AttemptStatus.UNCONFIRMED)


@dataclass(frozen=True)
class AuditPack:
    directory: Path
    files: list[str]
    runs: int
    messages: int


async def write_audit_pack(ctx: OpsContext, account_id: str, directory: Path, *, now: datetime) -> AuditPack:
    """Write the pack into `directory` (new or empty); an unknown account or a non-empty directory is refused."""
    await require_account(ctx, account_id)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise OpsError(f"{directory} exists and is not an empty directory: choose a new one")
    workflow_id = workflow_id_for(account_id)
    codec = ctx.client.data_converter.payload_codec
    histories = [decrypted_history(h, codec) for h in await run_histories(ctx.client, workflow_id)]
    async with ctx.sessions() as session:
        trail = await repository.audit_trail(session, account_id)
        attempts = await repository.attempts_for(session, account_id)
        outbox = await repository.outbox_entries(session, account_id=account_id)
        points = await repository.contact_points_for(session, account_id)
    try:
        private_dir(directory)
        private_dir(directory / "messages")
        runs = [{"run_id": h.run_id, "history": json.loads(h.to_json())} for h in histories]
        files = {"history.json": _json({"workflow_id": workflow_id, "runs": runs})}
        files["audit_log.json"] = _json([_audit_row(entry) for entry in trail])
        files.update(_messages(attempts, outbox, points))
        for name, content in files.items():
            write_private(directory / name, content)
        write_csv(directory / "audit_log.csv", AUDIT_COLUMNS, [_audit_line(entry) for entry in trail])
        listed = sorted([*files, "audit_log.csv"])
        manifest = {
            "account_id": account_id,
            "workflow_id": workflow_id,
            "generated_at": now.astimezone(UTC).isoformat(),
            "runs": [h.run_id for h in histories],
            "files": [{"path": name, "sha256": sha256_of(directory / name)} for name in listed],
        }
        write_private(directory / "manifest.json", _json(manifest))
    except OSError as err:
        raise OpsError(f"cannot write the audit pack in {directory}: {err.strerror or err}") from None
    return AuditPack(directory, [*listed, "manifest.json"], len(histories), len(files) - 2)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, default=_plain) + "\n"


def _plain(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _audit_row(entry: AuditEntryView) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in AUDIT_COLUMNS}


def _audit_line(entry: AuditEntryView) -> list[object]:
    return [*(getattr(entry, name) for name in AUDIT_COLUMNS[:4]), json.dumps(entry.detail), entry.idempotency_key]


def _messages(attempts: list[AttemptView], outbox: list[OutboxView], points: list[ContactPointView]) -> dict[str, str]:
    """`messages/<attempt>-<channel>.txt` per message sent: the outbox's rendered text, or the record of an
    email handed to SMTP (whose body the store does not keep)."""
    queued = {entry.attempt_key.rsplit(":", 1)[-1]: entry for entry in outbox}
    addresses = {point.contact_point_id: point.value for point in points}
    files = {}
    for attempt in attempts:
        if attempt.status not in SENT:
            continue
        entry = queued.get(str(attempt.attempt_no))
        header = [
            f"attempt: {attempt.attempt_no}",
            f"channel: {attempt.channel}",
            f"template: {attempt.template or ''}",
            f"at: {attempt.at.isoformat()} (local {attempt.local_at})",
            f"status: {attempt.status}",
        ]
        if entry is not None:
            header += [
                f"to: {entry.recipient}",
                f"subject: {entry.subject or ''}",
                f"exported: {entry.exported_at or ''}",
            ]
            body = entry.body
        else:
            header.append(f"to: {addresses.get(attempt.contact_point_id or -1, '')}")
            body = "(sent over SMTP: the store keeps the attempt and its template, not the rendered body)"
            if attempt.channel != Channel.EMAIL:
                body = "(no rendered message recorded for this attempt)"
        files[f"messages/{attempt.attempt_no:04d}-{attempt.channel}.txt"] = "\n".join(header) + "\n\n" + body + "\n"
    return files
