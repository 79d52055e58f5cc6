"""The payload codec: AES-256-GCM per payload, the key id in the header, keys from the environment."""

from __future__ import annotations

import base64
import os

import pytest
import temporalio.converter
from temporalio.api.common.v1 import Payload

from service.config import ConfigError
from service.payload_codec import (
    ENCODING,
    KEY_ID_HEADER,
    EncryptionCodec,
    PayloadDecryptionError,
    data_converter,
    keys_from_environment,
    parse_keys,
)


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


K1, K2 = new_key(), new_key()


def plain(text: str) -> Payload:
    return temporalio.converter.default().payload_converter.to_payloads([text])[0]


def codec(setting: str) -> EncryptionCodec:
    return EncryptionCodec(parse_keys(setting))


async def test_a_payload_is_encrypted_whole_under_the_first_key_and_decrypts_back() -> None:
    original = plain("Rosalind Quexley, 42 Wallaby Way")
    [sealed] = await codec(f"k1:{K1}").encode([original])

    assert dict(sealed.metadata) == {"encoding": ENCODING, KEY_ID_HEADER: b"k1"}
    assert b"Quexley" not in sealed.SerializeToString() and b"json/plain" not in sealed.SerializeToString()
    assert len(sealed.data) == 12 + len(original.SerializeToString()) + 16, "nonce + ciphertext + tag"
    assert await codec(f"k1:{K1}").decode([sealed]) == [original]


async def test_every_encryption_takes_a_fresh_nonce() -> None:
    first, second = await codec(f"k1:{K1}").encode([plain("same"), plain("same")])

    assert first.data[:12] != second.data[:12] and first.data != second.data


async def test_rotation_new_payloads_take_the_first_key_and_old_ones_still_decode() -> None:
    [old] = await codec(f"k1:{K1}").encode([plain("written under k1")])
    rotated = codec(f"k2:{K2},k1:{K1}")

    [new] = await rotated.encode([plain("written under k2")])

    assert (old.metadata[KEY_ID_HEADER], new.metadata[KEY_ID_HEADER]) == (b"k1", b"k2")
    assert await rotated.decode([old, new]) == [plain("written under k1"), plain("written under k2")]
    with pytest.raises(PayloadDecryptionError, match=r"key id 'k1', which PAYLOAD_ENCRYPTION_KEYS does not hold"):
        await codec(f"k2:{K2}").decode([old])


async def test_a_wrong_key_under_a_known_id_or_altered_data_is_refused_clearly() -> None:
    [sealed] = await codec(f"k1:{K1}").encode([plain("x")])
    altered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))

    with pytest.raises(PayloadDecryptionError, match="does not authenticate"):
        await codec(f"k1:{K2}").decode([sealed])
    with pytest.raises(PayloadDecryptionError, match="does not authenticate"):
        await codec(f"k1:{K1}").decode([altered])


async def test_payloads_written_before_encryption_was_turned_on_read_as_they_are() -> None:
    assert await codec(f"k1:{K1}").decode([plain("old")]) == [plain("old")]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("k1", "entry 1: expected id:base64-key"),
        (f"k 1:{K1}", "entry 1: expected id:base64-key"),
        ("k1:not base64!", r"entry 1 \(k1\): the key is not valid base64"),
        (f"k1:{base64.b64encode(os.urandom(16)).decode()}", r"entry 1 \(k1\): the key must be 32 bytes, got 16"),
        (f"k1:{K1},k1:{K2}", "entry 2: key id k1 appears twice"),
        (f"k2:{K2},", "entry 2: expected id:base64-key"),
    ],
    ids=["no-key", "space-in-id", "not-base64", "16-bytes", "id-twice", "trailing-comma"],
)
def test_a_malformed_setting_is_one_config_error_line_that_never_shows_a_key(setting: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as refused:
        keys_from_environment({"PAYLOAD_ENCRYPTION_KEYS": setting})

    text = str(refused.value)
    assert text.startswith("invalid PAYLOAD_ENCRYPTION_KEYS: ") and "\n" not in text
    assert K1 not in text and K2 not in text


def test_url_safe_base64_and_spaces_around_entries_are_accepted() -> None:
    url_safe = base64.urlsafe_b64encode(bytes(range(251, 255)) * 8).decode()
    keys = parse_keys(f" k2 : {url_safe} , k1:{K1} ")

    assert keys.ids == ("k2", "k1") and keys.current_id == "k2"
    assert keys.keys[0][1] == bytes(range(251, 255)) * 8


def test_only_payload_encryption_off_means_the_sdks_default_converter() -> None:
    off = {"PAYLOAD_ENCRYPTION": "off"}
    assert keys_from_environment(off) is None and keys_from_environment({**off, "PAYLOAD_ENCRYPTION_KEYS": " "}) is None
    assert data_converter(off) is temporalio.converter.default()


def test_with_keys_the_converter_encrypts_payloads_and_failure_messages_too() -> None:
    converter = data_converter({"PAYLOAD_ENCRYPTION_KEYS": f"k1:{K1}"})

    assert isinstance(converter.payload_codec, EncryptionCodec)
    assert converter.payload_codec.keys.current_id == "k1"
    assert converter.failure_converter_class is temporalio.converter.DefaultFailureConverterWithEncodedAttributes
    assert converter.payload_converter_class is temporalio.converter.DefaultPayloadConverter
