"""The local payload key file: made on first run when no key is configured, then read by every process.

It holds what PAYLOAD_ENCRYPTION_KEYS would (`id:base64` entries, the first encrypts), one a line,
`#` comments allowed. Made 0600 in one step: written whole under a temporary name, then hard-linked
to its name, which fails if another process got there first; the loser reads the winner's file.
So processes starting together (the demo's worker, web service and CLI) end with one key, and no
process ever reads half a file.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from pathlib import Path

from service.config import ConfigError
from service.files import FILE_MODE, private_dir

KEY_FILE_VARIABLE = "PAYLOAD_KEY_FILE"
DEFAULT_KEY_FILE = Path(".data/payload.key")
HEADER = (
    "# The payload encryption keys of this engine, as PAYLOAD_ENCRYPTION_KEYS takes them: id:base64,\n"
    "# one a line, the first encrypts, all decrypt. Back this file up: without it, what Temporal holds\n"
    "# (workflow histories, running accounts) cannot be read.\n"
)


def new_key_entry() -> str:
    """A fresh `id:base64` entry: 32 random bytes under a random id."""
    return f"local-{secrets.token_hex(4)}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def key_file_entries(path: Path) -> str:
    """The keys in `path` as one `id:base64,...` text, the file made first if it does not exist."""
    if not path.exists():
        _create(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read the payload key file {path}: {getattr(err, 'strerror', None) or err}") from None
    entries = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not entries:
        raise ConfigError(f"the payload key file {path} holds no key (id:base64 lines)")
    return ",".join(entries)


def _create(path: Path) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        private_dir(path.parent)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with open(descriptor, "w", encoding="utf-8") as out:
            out.write(f"{HEADER}{new_key_entry()}\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # never replaces: a key another process made first wins
            os.link(partial, path)
    except OSError as err:
        raise ConfigError(f"cannot create the payload key file {path}: {err.strerror or err}") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
