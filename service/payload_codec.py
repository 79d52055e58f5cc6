"""Payload encryption: every workflow and activity payload AES-256-GCM encrypted before it reaches Temporal.

Keys come from PAYLOAD_ENCRYPTION_KEYS, `id:base64,id:base64,...` (each key 32 random bytes in
standard or URL-safe base64, ids of letters, digits and `._-`). The FIRST key encrypts; every key
listed decrypts, picked by the `encryption-key-id` in the payload's metadata, so keys rotate by
putting a new one first and keeping the old ones until no history still holds payloads under them.
Unset (or empty), payloads go in clear text: the local default, announced by a warning when the
worker starts.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import structlog
import temporalio.converter
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload

from service.config import ConfigError

KEYS_VARIABLE = "PAYLOAD_ENCRYPTION_KEYS"
ENCODING = b"binary/encrypted"
KEY_ID_HEADER = "encryption-key-id"
NONCE_BYTES = 12
KEY_BYTES = 32
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


def parse_keys(text: str) -> EncryptionKeys:
    """`id:base64,...` as PAYLOAD_ENCRYPTION_KEYS holds it; ConfigError in one line (never showing a key)."""
    keys: list[tuple[str, bytes]] = []
    for number, entry in enumerate(text.split(","), start=1):
        key_id, colon, encoded = (part.strip() for part in entry.strip().partition(":"))
        where = f"invalid {KEYS_VARIABLE}: entry {number}"
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


def keys_from_environment(environ: Mapping[str, str] | None = None) -> EncryptionKeys | None:
    """The configured keys, or None when PAYLOAD_ENCRYPTION_KEYS is unset or empty (no encryption)."""
    text = (os.environ if environ is None else environ).get(KEYS_VARIABLE, "").strip()
    return parse_keys(text) if text else None


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


def announce_payload_protection(environ: Mapping[str, str] | None = None) -> None:
    """One line at worker start: the key payloads are encrypted with, or a warning that they are in clear text."""
    keys = keys_from_environment(environ)
    if keys is None:
        log.warning(
            "payloads.clear_text",
            detail=f"{KEYS_VARIABLE} is not set: workflow and activity payloads reach Temporal unencrypted",
        )
    else:
        log.info("payloads.encrypted", key_id=keys.current_id, decrypts=list(keys.ids))
