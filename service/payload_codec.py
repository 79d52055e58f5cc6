"""Payload encryption: every workflow and activity payload AES-256-GCM encrypted before it reaches Temporal.

Keys come from PAYLOAD_ENCRYPTION_KEYS, `id:base64,id:base64,...` (each key 32 random bytes in
standard or URL-safe base64, ids of letters, digits and `._-`). The FIRST key encrypts; every key
listed decrypts, picked by the `encryption-key-id` in the payload's metadata, so keys rotate by
putting a new one first and keeping the old ones until no history still holds payloads under them.
Unset (or empty), the keys are those of the key file PAYLOAD_KEY_FILE (default `.data/payload.key`),
made with a fresh key on first run (service/payload_key_file.py): encryption is on by default.
Only PAYLOAD_ENCRYPTION=off sends payloads in clear text, and every process that sends payloads
then warns (`clear_text_warning`).

An encrypted payload is `{encoding: binary/encrypted, encryption-key-id: <id>}` with data = a
random 96-bit nonce followed by the AES-GCM ciphertext (and tag) of the original payload serialized
whole (its metadata included), the key id bound in as associated data. Decoding leaves a payload
that is not `binary/encrypted` as it is: histories written before encryption was turned on still
read.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import structlog
import temporalio.converter
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import History
from temporalio.client import WorkflowHistory

from service.config import ConfigError
from service.payload_key_file import DEFAULT_KEY_FILE, KEY_FILE_VARIABLE, key_file_entries

KEYS_VARIABLE = "PAYLOAD_ENCRYPTION_KEYS"
SWITCH_VARIABLE = "PAYLOAD_ENCRYPTION"
ENCODING = b"binary/encrypted"
KEY_ID_HEADER = "encryption-key-id"
NONCE_BYTES = 12
KEY_BYTES = 32
UNENCRYPTED_FIELDS = frozenset({"search_attributes"})
"""Indexed by the server in clear by design (never personal data): the codec does not touch them."""
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = structlog.get_logger("payloads")


class PayloadDecryptionError(ValueError):
    """A payload that cannot be decrypted: its key is not configured, or the ciphertext does not authenticate."""


@dataclass(frozen=True)
class EncryptionKeys:
    """Key ids and their 32-byte keys, in the configured order: the first encrypts."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(key_id for key_id, _ in self.keys)


def parse_keys(text: str, *, source: str = KEYS_VARIABLE) -> EncryptionKeys:
    """`id:base64,...` as PAYLOAD_ENCRYPTION_KEYS holds it; ConfigError in one line (never showing a key)."""
    keys: list[tuple[str, bytes]] = []
    for number, entry in enumerate(text.split(","), start=1):
        key_id, colon, encoded = (part.strip() for part in entry.strip().partition(":"))
        where = f"invalid {source}: entry {number}"
        if not colon or not _KEY_ID.match(key_id):
            raise ConfigError(f"{where}: expected id:base64-key (id of letters, digits and ._-), e.g. k1:<base64>")
        try:
            key = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{where} ({key_id}): the key is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ConfigError(f"{where} ({key_id}): the key must be {KEY_BYTES} bytes, got {len(key)}")
        if any(key_id == known for known, _ in keys):
            raise ConfigError(f"{where}: key id {key_id} appears twice")
        keys.append((key_id, key))
    return EncryptionKeys(tuple(keys))


def encryption_off(environ: Mapping[str, str] | None = None) -> bool:
    """PAYLOAD_ENCRYPTION=off (the only way to send payloads in clear); a value but on/off is a ConfigError."""
    env = os.environ if environ is None else environ
    switch = env.get(SWITCH_VARIABLE, "").strip().lower() or "on"
    if switch not in ("on", "off"):
        raise ConfigError(f"invalid {SWITCH_VARIABLE}: expected on or off, got {env[SWITCH_VARIABLE]!r}")
    if switch == "off" and env.get(KEYS_VARIABLE, "").strip():
        raise ConfigError(f"{SWITCH_VARIABLE}=off and {KEYS_VARIABLE} is set: unset one of them")
    return switch == "off"


def keys_from_environment(environ: Mapping[str, str] | None = None) -> EncryptionKeys | None:
    """PAYLOAD_ENCRYPTION_KEYS, else the key file's keys (made on first run); None only with PAYLOAD_ENCRYPTION=off."""
    env = os.environ if environ is None else environ
    if encryption_off(env):
        return None
    text = env.get(KEYS_VARIABLE, "").strip()
    if text:
        return parse_keys(text)
    key_file = Path(env.get(KEY_FILE_VARIABLE, "").strip() or DEFAULT_KEY_FILE)
    return parse_keys(key_file_entries(key_file), source=f"payload key file {key_file}")


class EncryptionCodec(temporalio.converter.PayloadCodec):
    """AES-256-GCM over whole payloads, a fresh random nonce each; decrypts under any configured key."""

    def __init__(self, keys: EncryptionKeys) -> None:
        self.keys = keys

    @cached_property
    def _ciphers(self) -> dict[str, AESGCM]:
        return {key_id: AESGCM(key) for key_id, key in self.keys.keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.keys.current_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID_HEADER: key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID_HEADER, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"payload encrypted under key id {key_id or '(none)'!r}, which {KEYS_VARIABLE} does not hold "
                f"(it holds {', '.join(self.keys.ids)}): add that key back to decrypt it"
            )
        data = payload.data
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise PayloadDecryptionError(
                f"payload under key id {key_id!r} does not authenticate: a different key with that id, or altered data"
            ) from None
        return Payload.FromString(plain)


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload inside a protobuf message (a history event, say), depth first, search attributes
    excepted: the server indexes those in clear, and the codec never touches them."""
    for field, value in message.ListFields():
        if field.message_type is None or field.name in UNENCRYPTED_FIELDS:
            continue
        if field.message_type.GetOptions().map_entry:
            items = list(value.values()) if field.message_type.fields_by_name["value"].message_type else []
        else:
            items = list(value) if field.is_repeated else [value]
        for item in items:
            if isinstance(item, Payload):
                yield item
            else:
                yield from payloads_in(item)


def decrypted_history(history: WorkflowHistory, codec: temporalio.converter.PayloadCodec | None) -> WorkflowHistory:
    """A copy of `history` with every payload the engine's codec encrypted decrypted (for an audit pack)."""
    if not isinstance(codec, EncryptionCodec):
        return history
    events = History.FromString(History(events=history.events).SerializeToString()).events
    for event in events:
        for payload in payloads_in(event):
            payload.CopyFrom(codec.decrypt(payload))
    return WorkflowHistory(history.workflow_id, list(events))


def payload_codec(environ: Mapping[str, str] | None = None) -> EncryptionCodec | None:
    keys = keys_from_environment(environ)
    return None if keys is None else EncryptionCodec(keys)


def data_converter(environ: Mapping[str, str] | None = None) -> temporalio.converter.DataConverter:
    """The SDK's default converter, plus the encryption codec when keys are configured.

    With encryption on, failure messages and stack traces go into the (encrypted) encoded
    attributes too: an exception's text may quote personal data.
    """
    codec = payload_codec(environ)
    default = temporalio.converter.default()
    if codec is None:
        return default
    return dataclasses.replace(
        default,
        payload_codec=codec,
        failure_converter_class=temporalio.converter.DefaultFailureConverterWithEncodedAttributes,
    )


def clear_text_warning(environ: Mapping[str, str] | None = None) -> str | None:
    """The one-line warning every process that sends payloads gives when encryption is off; None when on."""
    if not encryption_off(environ):
        return None
    return (
        f"{SWITCH_VARIABLE}=off: workflow and activity payloads (personal data among them) reach Temporal unencrypted"
    )


def announce_payload_protection(environ: Mapping[str, str] | None = None) -> None:
    """One log line at a service's start: the key payloads are encrypted with, or a warning that they are not."""
    warning = clear_text_warning(environ)
    if warning is not None:
        log.warning("payloads.clear_text", detail=warning)
        return
    keys = keys_from_environment(environ)
    assert keys is not None
    log.info("payloads.encrypted", key_id=keys.current_id, decrypts=list(keys.ids))
