"""Issue 13, finding 3, at the CLI as processes: identities come from the administrator's operators file.

`approve ID --approver the-ceo --role supervisor` used to approve a 20% settlement on the command line's
word, and `event dispute-resolved --outcome upheld` wrote a balance down for anyone. Now: no flag declares
an identity; a user without an operators entry is refused in one line; an operations identity's write-down
waits for a supervisor; the one who asked (or proposed) never approves; the store is checked each time.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.intake import ACCOUNT_COLUMNS
from ops.operators import os_user
from store import repository
from store import write_downs as write_down_store
from store.db import make_engine, make_session_factory
from store.views import AuditEntryView
from store.write_downs import WriteDownView
from tests.e2e.test_operations_end_to_end import RECENTLY_DUE, Operator, wait_until

pytestmark = pytest.mark.e2e


def row(account_id: str, balance: str) -> str:
    return (
        f"{account_id},Kim Held,(212) 555-0123,kim@example.com,3 Main St,New York,NY,10001,"
        f"America/New_York,{balance},{RECENTLY_DUE},Northwind,false,card"
    )


class Store:
    def __init__(self, operator: Operator) -> None:
        self.url = operator.env["DATABASE_URL"]

    def _read(self, read: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async def go() -> Any:
            engine = make_engine(self.url)
            try:
                async with make_session_factory(engine)() as session:
                    return await read(session)
            finally:
                await engine.dispose()

        return asyncio.run(go())

    def balance(self, account_id: str) -> int:
        account = self._read(lambda session: repository.get_account(session, account_id))
        return int(account.balance_cents)

    def write_downs(self) -> list[WriteDownView]:
        found: list[WriteDownView] = self._read(lambda session: write_down_store.write_downs(session, status=None))
        return found

    def audit(self, account_id: str, action: str) -> list[AuditEntryView]:
        trail: list[AuditEntryView] = self._read(lambda session: repository.audit_trail(session, account_id))
        return [entry for entry in trail if entry.action == action]


def one_line(done: subprocess.CompletedProcess[str], says: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_cli_identity_comes_from_the_operators_file_and_write_downs_need_another_supervisor(
    engine_processes, tmp_path: Path
) -> None:
    supervisor, _ = engine_processes  # the fixture's file: this OS user is e2e-supervisor (supervisor)
    store = Store(supervisor)
    portfolio = tmp_path / "accounts.csv"
    rows = [row("D1", "107.00"), row("B1", "300.00"), row("S1", "100.00")]
    portfolio.write_text("\n".join([",".join(ACCOUNT_COLUMNS), *rows]) + "\n")
    assert supervisor("load", str(portfolio)).returncode == 0
    assert supervisor("start", "--all-past-due").returncode == 0
    wait_until(lambda: supervisor.status("D1")["stage"] == "contacting", what="D1 contacting")
    olga = supervisor.acting_as("olga", "operations")
    nobody = Operator({**supervisor.env, "OPERATORS_FILE": str(tmp_path / "no-operators.toml")})

    # no identity: refused in one line, nothing sent; no flag declares one
    refused = nobody("event", "payment", "D1", "--amount", "7.00", "--reference", "NOBODY-1")
    one_line(refused, f"no operator identity for OS user {os_user()}: an administrator adds one with `collections")
    one_line(nobody("approve", "S1"), f"no operator identity for OS user {os_user()}")
    flagged = supervisor("approve", "S1", "--approver", "the-ceo", "--role", "supervisor")
    assert flagged.returncode == 2 and "No such option: --approver" in flagged.stderr
    assert store.balance("D1") == 10_700 and store.audit("D1", "request.payment") == []

    # an operations identity's upheld dispute waits; nothing reaches the workflow
    assert olga("event", "dispute", "D1", "--reason", "not mine").returncode == 0
    wait_until(lambda: supervisor.status("D1")["stage"] == "on_hold", what="the dispute hold")
    asked = olga("event", "dispute-resolved", "D1", "--outcome", "upheld")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.strip() == (
        "waiting for a supervisor's approval: write-down #1, $107.00 (dispute upheld) on account D1"
    )
    again = olga("event", "dispute-resolved", "D1", "--outcome", "upheld")
    assert again.stdout.startswith("already waiting for a supervisor's approval: write-down #1")
    [pending] = store.write_downs()
    assert (pending.requested_by, pending.requested_role, pending.status) == ("olga", "operations", "pending")
    assert store.balance("D1") == 10_700 and supervisor.status("D1")["stage"] == "on_hold"
    request = store.audit("D1", "request.release_hold")[0]
    assert (request.actor, request.detail["role"], request.detail["via"]) == ("olga", "operations", "cli")

    listed = supervisor("write-downs")
    assert listed.returncode == 0, listed.stderr
    assert (
        "D1" in listed.stdout and "$107.00 (dispute upheld)" in listed.stdout and "olga (operations)" in listed.stdout
    )

    # olga may not approve; olga promoted to supervisor still may not approve her own
    one_line(olga("write-downs", "approve", "1"), "olga (operations) may not approve offers: nothing changed")
    promoted = supervisor.acting_as("olga", "supervisor")
    one_line(promoted("write-downs", "approve", "1"), "olga asked for this write-down: another supervisor decides it")
    assert store.write_downs()[0].status == "pending" and store.balance("D1") == 10_700

    approved = supervisor("write-downs", "approve", "1")
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.startswith(
        "write-down #1 approved by e2e-supervisor (asked by olga): $107.00 (dispute upheld)"
    )
    wait_until(lambda: supervisor.status("D1")["stage"] == "closed", what="the approved write-down")
    assert store.balance("D1") == 0
    one_line(supervisor("write-downs", "approve", "1"), "write-down #1 was already approved by e2e-supervisor")
    assert [e.detail["amount_cents"] for e in store.audit("D1", "balance.adjusted")] == [10_700]
    [approval] = store.audit("D1", "write_down.approved")
    assert (approval.actor, approval.detail["requested_by"]) == ("e2e-supervisor", "olga")
    assert supervisor("write-downs").stdout.strip() == "no write-down is waiting for a supervisor"

    # a discharge asked for by operations waits; declined, nothing is written off
    today = date.today().isoformat()
    filed = olga("event", "bankruptcy", "B1", "--chapter", "7", "--case-number", "26-2", "--filed-on", today)
    assert filed.returncode == 0, filed.stderr
    wait_until(lambda: supervisor.status("B1")["stage"] == "on_hold", what="the stay")
    discharge = olga("event", "bankruptcy-discharged", "B1")
    assert discharge.stdout.strip().endswith("write-down #2, $300.00 (bankruptcy discharge) on account B1")
    one_line(supervisor("write-downs", "decline", "2", "--reason", " "), "a decline needs a reason")
    declined = supervisor("write-downs", "decline", "2", "--reason", "wrong case number")
    assert declined.stdout.strip() == "write-down #2 declined by e2e-supervisor (asked by olga): nothing written down"
    one_line(supervisor("write-downs", "approve", "2"), "write-down #2 was already declined by e2e-supervisor")
    assert store.balance("B1") == 30_000 and supervisor.status("B1")["stage"] == "on_hold"

    # a 20% settlement: the supervisor who put it forward does not approve it, another one does
    wait_until(lambda: supervisor.status("S1")["stage"] == "contacting", what="S1 contacting")
    proposed = supervisor("propose", "S1", "--settle", "80.00")
    assert proposed.returncode == 0 and proposed.stdout.startswith("pending approval"), proposed.stdout
    one_line(supervisor("approve", "S1"), "e2e-supervisor put this proposal forward: another supervisor decides it")
    other = supervisor.acting_as("sam", "supervisor")
    settled = other("approve", "S1")
    assert settled.returncode == 0 and settled.stdout.startswith("accepted"), (settled.stdout, settled.stderr)
    [decision] = store.audit("S1", "request.approval")
    assert (decision.actor, decision.detail["role"], decision.detail["decision"]) == ("sam", "supervisor", "accepted")
