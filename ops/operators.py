"""Who each OS login is at the CLI: the operators file an administrator keeps (OPERATORS_FILE, mode 0600).

    [[operators]]
    user = "jdoe"          # the OS login name
    name = "Jane Doe"      # the name the audit log records
    role = "operations"    # viewer, operations or supervisor (service.tokens.Role)

The CLI never takes a name or a role from its command line or environment: it looks up the OS user it
runs as (the process's real uid, not $USER) in this file.
"""

from __future__ import annotations

import os
import pwd
import stat
import tomllib
from pathlib import Path

from ops.errors import OpsError
from service.tokens import Caller, Role

MAX_NAME = 32
"""The audit log's actor column holds the name."""


def os_user() -> str:
    """The login name of the real uid this process runs as (not $USER or $LOGNAME, which anyone can set)."""
    return pwd.getpwuid(os.getuid()).pw_name


def load_operators(path: Path) -> dict[str, Caller]:
    """OS login -> the configured caller; a missing file means none. A file others may write is refused."""
    if not path.exists():
        return {}
    mode = path.stat().st_mode
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise OpsError(f"{path} may be changed by other users: `chmod 600 {path}` (its owner administers it)")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise OpsError(f"{path}: not valid TOML: {err}") from None
    except OSError as err:
        raise OpsError(f"{path}: cannot be read ({err.strerror}): its administrator decides who uses the CLI") from None
    found: dict[str, Caller] = {}
    for number, entry in enumerate(data.get("operators", []), start=1):
        if not isinstance(entry, dict) or set(entry) != {"user", "name", "role"}:
            raise OpsError(f"{path}: operators #{number}: expected exactly user, name and role")
        try:
            found[str(entry["user"])] = Caller(_name(str(entry["name"])), Role(entry["role"]))
        except ValueError as err:
            raise OpsError(f"{path}: operators #{number}: {err}") from None
    return found


def operator_for(path: Path, user: str | None = None) -> Caller:
    """The caller configured for this OS user, or a one-line refusal saying how to get one."""
    user = user or os_user()
    caller = load_operators(path).get(user)
    if caller is None:
        raise OpsError(
            f"no operator identity for OS user {user}: an administrator adds one with "
            f"`collections operator add --user {user} --name NAME --role ROLE` ({path})"
        )
    return caller


def add_operator(path: Path, user: str, name: str, role: Role) -> Caller:
    """Add `user` as `name` with `role` (the file created mode 0600); a user already there is refused."""
    if not user.strip() or not user.isprintable() or '"' in user or "\\" in user:
        raise OpsError(f"user {user!r}: an OS login name")
    operators = load_operators(path)
    if user in operators:
        raise OpsError(f"OS user {user} is already {operators[user].name} ({operators[user].role}): remove it first")
    if any(c.name.casefold() == name.strip().casefold() for c in operators.values()):
        raise OpsError(f"the name {name} is taken by another OS user: one name, one person")
    caller = Caller(_name(name), role)
    operators[user] = caller
    _write(path, operators)
    return caller


def remove_operator(path: Path, user: str) -> Caller | None:
    operators = load_operators(path)
    removed = operators.pop(user, None)
    if removed is not None:
        _write(path, operators)
    return removed


def ensure_first_operator(path: Path, name: str | None = None) -> Caller | None:
    """On a fresh machine (no operators file): the OS user who sets up the engine is its supervisor.
    Returns the identity created, or None when the file exists."""
    if path.exists():
        return None
    user = os_user()
    return add_operator(path, user, name or user[:MAX_NAME], Role.SUPERVISOR)


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable() or '"' in name or "\\" in name:
        raise ValueError(f"name {name!r}: 1-{MAX_NAME} printable characters, no quotes or backslashes")
    return name


def _write(path: Path, operators: dict[str, Caller]) -> None:
    """Written to a temporary name (mode 0600) and renamed over the file."""
    text = "".join(
        f'[[operators]]\nuser = "{user}"\nname = "{caller.name}"\nrole = "{caller.role}"\n\n'
        for user, caller in sorted(operators.items())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
