"""API tokens and roles. The tokens file keeps only SHA-256 hashes; a token is shown once, when issued.

Roles, least to most: `viewer` reads (dashboard, accounts, queue, reports), `operations` reads the
portfolio and feeds events and starts, `supervisor` does everything, approvals included.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATIONS = "operations"
    SUPERVISOR = "supervisor"


class Permission(StrEnum):
    READ = "read"
    REPORTS = "reports"
    EVENTS = "events"
    APPROVE = "approve"


DOES = {
    Permission.READ: "read accounts",
    Permission.REPORTS: "read reports",
    Permission.EVENTS: "send events or start workflows",
    Permission.APPROVE: "approve offers",
}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ, Permission.REPORTS}),
    Role.OPERATIONS: frozenset({Permission.READ, Permission.EVENTS}),
    Role.SUPERVISOR: frozenset(Permission),
}
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,32}$")


class TokenError(ValueError):
    """A tokens file or a token request that cannot be used."""


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenBook:
    """Who each token hash belongs to."""

    entries: tuple[tuple[str, Caller], ...] = ()

    def caller(self, token: str | None) -> Caller | None:
        """The caller a presented token belongs to, or None (compared in constant time)."""
        if not token:
            return None
        presented = digest(token)
        found = None
        for known, caller in self.entries:
            if hmac.compare_digest(known, presented):
                found = caller
        return found


def load_tokens(path: Path) -> TokenBook:
    """The tokens file (TOML, `[[tokens]]` with name, role, sha256); a missing file means no tokens."""
    if not path.exists():
        return TokenBook()
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise TokenError(f"{path}: not valid TOML: {err}") from None
    entries = []
    for number, entry in enumerate(data.get("tokens", []), start=1):
        where = f"{path}: tokens #{number}"
        if not isinstance(entry, dict) or set(entry) != {"name", "role", "sha256"}:
            raise TokenError(f"{where}: expected exactly name, role and sha256")
        try:
            role = Role(entry["role"])
        except ValueError:
            raise TokenError(f"{where}: role {entry['role']!r} is not one of {', '.join(Role)}") from None
        if not re.fullmatch(r"[0-9a-f]{64}", str(entry["sha256"])):
            raise TokenError(f"{where}: sha256 must be 64 hex digits")
        entries.append((str(entry["sha256"]), Caller(str(entry["name"]), role)))
    return TokenBook(tuple(entries))


def issue_token(path: Path, name: str, role: Role) -> str:
    """A new random token for `name` with `role`, its hash appended to the file; the token itself is returned once."""
    if not _NAME.match(name):
        raise TokenError(f"name {name!r}: 1-32 letters, digits or . _ @ -")
    book = load_tokens(path)
    if any(caller.name == name for _, caller in book.entries):
        raise TokenError(f"{name} already has a token; revoke it first")
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        out.write(_entry_text(digest(token), Caller(name, role)))
    path.chmod(0o600)
    return token


def revoke_token(path: Path, name: str) -> bool:
    """Remove `name`'s token from the file; False if it had none."""
    book = load_tokens(path)
    kept = [(h, c) for h, c in book.entries if c.name != name]
    if len(kept) == len(book.entries):
        return False
    path.write_text("".join(_entry_text(h, c) for h, c in kept))
    return True


def _entry_text(sha256: str, caller: Caller) -> str:
    return f'\n[[tokens]]\nname = "{caller.name}"\nrole = "{caller.role}"\nsha256 = "{sha256}"\n'
