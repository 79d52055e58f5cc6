"""Encryption on by default: the local key file made on first run (0600), read after; only `off` turns it off."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from service import payload_key_file
from service.config import ConfigError
from service.payload_codec import (
    EncryptionCodec,
    announce_payload_protection,
    clear_text_warning,
    data_converter,
    keys_from_environment,
)
from tests.support.payloads import new_key


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_with_no_key_configured_a_key_file_is_made_0600_and_the_same_key_is_used_after(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "payload.key"
    env = {"PAYLOAD_KEY_FILE": str(key_file)}
    old_umask = os.umask(0o022)  # as a library in a process that did not restrict its umask
    try:
        first = keys_from_environment(env)
    finally:
        os.umask(old_umask)

    assert first is not None and first.current_id.startswith("local-") and len(first.keys[0][1]) == 32
    assert mode(key_file) == 0o600 and mode(key_file.parent) == 0o700
    assert keys_from_environment(env) == first
    assert keys_from_environment({**env, "PAYLOAD_ENCRYPTION_KEYS": " "}) == first, "empty is unset"
    converter = data_converter(env)
    assert isinstance(converter.payload_codec, EncryptionCodec) and converter.payload_codec.keys == first
    assert "Back this file up" in key_file.read_text()
    assert list(key_file.parent.iterdir()) == [key_file], "no temporary file left behind"


def test_a_key_file_made_by_another_process_first_is_read_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "payload.key"
    winner = f"local-winner:{new_key()}"
    made = payload_key_file.new_key_entry

    def racing() -> str:  # the other process links its file in while this one writes its own
        key_file.write_text(f"{winner}\n")
        return made()

    monkeypatch.setattr(payload_key_file, "new_key_entry", racing)
    keys = keys_from_environment({"PAYLOAD_KEY_FILE": str(key_file)})

    assert keys is not None and keys.ids == ("local-winner",)
    assert key_file.read_text() == f"{winner}\n" and sorted(tmp_path.iterdir()) == [key_file]


def test_the_key_file_takes_comments_and_several_keys_the_first_encrypting(tmp_path: Path) -> None:
    key_file = tmp_path / "payload.key"
    key_file.write_text(f"# rotated\nk2:{new_key()}\n\n  # the old one\nk1:{new_key()}\n")

    keys = keys_from_environment({"PAYLOAD_KEY_FILE": str(key_file)})

    assert keys is not None and keys.ids == ("k2", "k1")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("# nothing but a comment\n", "holds no key (id:base64 lines)"),
        ("k1:c2hvcnQ=\n", "invalid payload key file {path}: entry 1 (k1): the key must be 32 bytes, got 5"),
        (b"\xff\xfe", "cannot read the payload key file {path}"),
    ],
)
def test_a_broken_key_file_is_a_one_line_error_naming_it(tmp_path: Path, content: str | bytes, says: str) -> None:
    key_file = tmp_path / "payload.key"
    key_file.write_bytes(content if isinstance(content, bytes) else content.encode())

    with pytest.raises(ConfigError) as refused:
        keys_from_environment({"PAYLOAD_KEY_FILE": str(key_file)})

    assert says.format(path=key_file) in str(refused.value) and "\n" not in str(refused.value)


def test_a_key_file_that_cannot_be_made_is_a_one_line_error(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")

    with pytest.raises(ConfigError) as refused:
        keys_from_environment({"PAYLOAD_KEY_FILE": str(blocked / "payload.key")})

    assert str(refused.value).startswith(f"cannot create the payload key file {blocked / 'payload.key'}: ")


def test_off_is_the_only_way_to_clear_text_and_it_warns(tmp_path: Path) -> None:
    key_file = tmp_path / "payload.key"
    off = {"PAYLOAD_ENCRYPTION": "OFF", "PAYLOAD_KEY_FILE": str(key_file)}

    assert keys_from_environment(off) is None and not key_file.exists()
    warning = clear_text_warning(off)
    assert warning is not None and warning.startswith("PAYLOAD_ENCRYPTION=off: ") and "unencrypted" in warning
    with capture_logs() as logs:
        announce_payload_protection(off)
    assert [(line["log_level"], line["event"]) for line in logs] == [("warning", "payloads.clear_text")]

    on = {"PAYLOAD_ENCRYPTION": "on", "PAYLOAD_KEY_FILE": str(key_file)}
    assert clear_text_warning(on) is None
    with capture_logs() as logs:
        announce_payload_protection(on)
    assert [(line["log_level"], line["event"]) for line in logs] == [("info", "payloads.encrypted")]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PAYLOAD_ENCRYPTION": "no"}, "invalid PAYLOAD_ENCRYPTION: expected on or off, got 'no'"),
        ({"PAYLOAD_ENCRYPTION": "off", "PAYLOAD_ENCRYPTION_KEYS": "k1:x"}, "PAYLOAD_ENCRYPTION=off and"),
    ],
)
def test_a_contradictory_or_unknown_switch_is_refused(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError) as refused:
        keys_from_environment(env)

    assert str(refused.value).startswith(says)
