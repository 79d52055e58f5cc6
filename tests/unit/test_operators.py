"""The operators file: the administrator's map of OS logins to names and roles at the CLI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ops.errors import OpsError
from ops.operators import add_operator, ensure_first_operator, load_operators, operator_for, os_user, remove_operator
from web.tokens import Caller, Role


def test_an_added_operator_is_found_by_login_and_the_file_is_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "operators.toml"
    assert add_operator(path, "jdoe", "Jane Doe", Role.OPERATIONS) == Caller("Jane Doe", Role.OPERATIONS)
    add_operator(path, "kim", "Kim", Role.SUPERVISOR)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert operator_for(path, "jdoe") == Caller("Jane Doe", Role.OPERATIONS)
    assert load_operators(path) == {"jdoe": Caller("Jane Doe", Role.OPERATIONS), "kim": Caller("Kim", Role.SUPERVISOR)}
    assert remove_operator(path, "jdoe") == Caller("Jane Doe", Role.OPERATIONS)
    assert remove_operator(path, "jdoe") is None
    with pytest.raises(OpsError, match="no operator identity for OS user jdoe: an administrator adds one with"):
        operator_for(path, "jdoe")


def test_one_login_one_name_and_bad_entries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "operators.toml"
    add_operator(path, "kim", "Kim", Role.SUPERVISOR)
    with pytest.raises(OpsError, match="already Kim"):
        add_operator(path, "kim", "Other", Role.VIEWER)
    with pytest.raises(OpsError, match="taken by another OS user"):
        add_operator(path, "kim2", "kim", Role.VIEWER)
    with pytest.raises(ValueError, match="no quotes"):
        add_operator(path, "q", 'a"b', Role.VIEWER)
    assert list(load_operators(path)) == ["kim"]


def test_a_file_others_may_write_or_that_is_broken_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "operators.toml"
    add_operator(path, "kim", "Kim", Role.SUPERVISOR)
    path.chmod(0o666)
    with pytest.raises(OpsError, match="may be changed by other users: `chmod 600"):
        operator_for(path, "kim")
    path.chmod(0o600)
    path.write_text('[[operators]]\nuser = "kim"\nname = "Kim"\nrole = "ceo"\n')
    with pytest.raises(OpsError, match="operators #1: 'ceo' is not a valid Role"):
        load_operators(path)
    path.write_text("not toml [")
    with pytest.raises(OpsError, match="not valid TOML"):
        load_operators(path)


def test_on_a_fresh_machine_the_one_who_sets_it_up_is_its_supervisor(tmp_path: Path) -> None:
    path = tmp_path / "operators.toml"
    first = ensure_first_operator(path)
    assert first is not None and first.role == Role.SUPERVISOR
    assert operator_for(path) == first and os_user() in load_operators(path)
    assert ensure_first_operator(path) is None, "an existing file is the administrator's: left alone"
