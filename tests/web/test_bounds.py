"""Bounds on money and dates, through the CLI as a process and HTTP against `starter.py web`: an amount over
MAX_PAYMENT_AMOUNT (2^63 cents, 2^63-1 cents, the maximum plus a cent), Unicode digits, a date before 1900,
before the account or in a month closed by month-end are refused in one line, and nothing is sent: the
payments, the audit log's payment entries and the workflow's status are as they were."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from store import repository
from store.db import make_engine, make_session_factory
from store.views import PaymentView
from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService

pytestmark = pytest.mark.e2e

TODAY = date.today()
OVER_THE_MAXIMUM = "is over the maximum for a payment, $1,000,000.00 (MAX_PAYMENT_AMOUNT): nothing changed"
REFUSED = [  # amount, received on, what the one line says
    ("92233720368547758.08", None, f"$92,233,720,368,547,758.08 {OVER_THE_MAXIMUM}"),  # 2^63 cents
    ("92233720368547758.07", None, f"$92,233,720,368,547,758.07 {OVER_THE_MAXIMUM}"),  # 2^63-1 cents
    ("1,000,000.01", None, f"$1,000,000.01 {OVER_THE_MAXIMUM}"),
    ("١٠", None, "malformed amount '١٠': expected dollars and cents like 1234.56"),
    ("１٠", None, "malformed amount '１٠': expected dollars and cents like 1234.56"),
    ("10.00", "0001-01-01", "the payment's date 0001-01-01 is before 1900-01-01: nothing changed"),
    ("10.00", (TODAY - timedelta(days=60)).isoformat(), "is before the account existed"),
]


MONEY_AND_HOLDS = ("payment.", "hold.", "promise.", "plan.")


def payments(web: WebService, account_id: str) -> list[PaymentView]:
    async def read() -> list[PaymentView]:
        engine = make_engine(web.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session:
                return await repository.payments_for(session, account_id)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def books(web: WebService, account_id: str) -> tuple[Any, ...]:
    """What a refusal must leave alone: payments, the audit log's money and hold entries, the workflow's status
    (the cadence may send a contact meanwhile, and reads and requests are audited too: those entries may come)."""
    status = web.operator.status(account_id)
    audit = [(e.action, e.detail) for e in web.audit(account_id) if e.action.startswith(MONEY_AND_HOLDS)]
    money = (status["stage"], status["balance_cents"], status["payments_count"], status["collected_cents"],
             status["holds"], status["pending_approval"], status["plan"])  # fmt: skip
    return payments(web, account_id), audit, money


def cli_payment(web: WebService, account_id: str, amount: str, reference: str, received_on: str | None) -> Any:
    dated = ["--received-on", received_on] if received_on else []
    return web.operator("event", "payment", account_id, "--amount", amount, "--reference", reference, *dated)


def http_payment(web: WebService, account_id: str, amount: str, reference: str, received_on: str | None) -> Any:
    body = {"amount": amount, "reference": reference} | ({"received_on": received_on} if received_on else {})
    with web.client("oscar") as operations:
        return operations.post(f"/api/accounts/{account_id}/payments", json=body)


def refused_by_cli(web: WebService, account_id: str, amount: str, reference: str, on: str | None, says: str) -> None:
    done = cli_payment(web, account_id, amount, reference, on)
    assert (done.returncode, done.stdout) == (1, ""), (amount, on, done.stdout, done.stderr)
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and says in line, (amount, on, line)


def refused_by_http(web: WebService, account_id: str, amount: str, reference: str, on: str | None, says: str) -> None:
    answer = http_payment(web, account_id, amount, reference, on)
    assert answer.status_code == 422, (amount, on, answer.text)
    [line] = answer.json()["error"].splitlines()
    assert says in line, (amount, on, line)


def paid_once(web: WebService, account_id: str, reference: str, before: tuple[Any, ...]) -> None:
    """A valid payment afterwards is applied alone: the refused ones before it never reached the workflow."""
    wait_until(lambda: web.operator.status(account_id)["payments_count"] == before[2][2] + 1, what="the payment")
    recorded = payments(web, account_id)
    assert [p.reference for p in recorded] == [p.reference for p in before[0]] + [reference]
    assert recorded[-1].amount_cents == 1_000


@pytest.mark.parametrize("refused_by", [refused_by_cli, refused_by_http], ids=["cli", "http"])
def test_payments_out_of_bounds_are_refused_in_one_line_and_nothing_is_sent(
    web_service: WebService, refused_by: Any
) -> None:
    account_id = "W4" if refused_by is refused_by_cli else "W5"
    before = books(web_service, account_id)
    for n, (amount, on, says) in enumerate(REFUSED):
        refused_by(web_service, account_id, amount, f"OOB-{account_id}-{n}", on, says)
    assert books(web_service, account_id) == before
    valid = cli_payment if refused_by is refused_by_cli else http_payment
    done = valid(web_service, account_id, "10.00", f"OK-{account_id}", TODAY.isoformat())
    assert getattr(done, "returncode", 0) == 0 and getattr(done, "status_code", 200) == 200
    paid_once(web_service, account_id, f"OK-{account_id}", before)


def test_a_month_closed_by_month_end_takes_no_more_payments(web_service: WebService, tmp_path: Path) -> None:
    operator, account_id = web_service.operator, "W6"
    last_day = TODAY.replace(day=1) - timedelta(days=1)
    month = f"{last_day:%Y-%m}"
    current = operator("report", "month-end", "--month", f"{TODAY:%Y-%m}", "--out", str(tmp_path / "now"))
    assert current.returncode == 0 and f"month {TODAY:%Y-%m} closed" not in current.stdout, "a month in progress"
    closed = operator("report", "month-end", "--month", month, "--out", str(tmp_path / "pack"))
    assert closed.returncode == 0, closed.stderr
    assert f"month {month} closed: a payment dated in it is refused from now on" in closed.stdout

    before = books(web_service, account_id)
    says = f"the payment's date {last_day.isoformat()} is in {month}, a month already closed by month-end"
    refused_by_cli(web_service, account_id, "10.00", "CLOSED-CLI", last_day.isoformat(), says)
    refused_by_http(web_service, account_id, "10.00", "CLOSED-HTTP", last_day.isoformat(), says)
    assert books(web_service, account_id) == before
    assert http_payment(web_service, account_id, "10.00", "OPEN-MONTH", TODAY.isoformat()).status_code == 200
    paid_once(web_service, account_id, "OPEN-MONTH", before)


def test_other_amounts_and_dates_typed_in_are_bounded_too(web_service: WebService) -> None:
    account_id, operator = "W3", web_service.operator
    before = books(web_service, account_id)
    over = "$1,000,000.01 is over the maximum for {}, $1,000,000.00 (MAX_PAYMENT_AMOUNT): nothing changed"
    with web_service.client("oscar") as operations:
        for route, body, says in (
            ("disputes", {"reason": "not mine", "amount": "1000000.01"}, over.format("a disputed amount")),
            ("disputes", {"reason": "not mine", "amount": "１٠"}, REFUSED[4][2]),
            ("promises", {"amount": "1000000.01", "date": TODAY.isoformat()}, over.format("a promise")),
            ("bankruptcy", {"chapter": "7", "case_number": "BK-OLD", "filed_on": "1899-12-31"},
             "filed_on must be an ISO date not in the future and from 1900 on, got '1899-12-31': nothing changed"),
            ("deceased", {"date_of_death": "0001-01-01"},
             "date_of_death must be an ISO date not in the future and from 1900 on, got '0001-01-01': nothing changed"),
        ):  # fmt: skip
            answer = operations.post(f"/api/accounts/{account_id}/{route}", json=body)
            assert answer.status_code == 422 and answer.json()["error"] == says, (route, answer.text)
    settle = operator("propose", account_id, "--settle", "1000000.01")
    assert settle.returncode == 1 and settle.stderr.strip() == f"error: {over.format('a settlement')}"
    far = (TODAY + timedelta(days=11 * 366)).isoformat()
    probate = operator("event", "probate", account_id, "--representative", "Sam Roe", "--claims-deadline", far,
                       "--email", "sam@example.com")  # fmt: skip
    assert probate.returncode == 1, probate.stdout
    assert probate.stderr.strip() == f"error: the claims deadline {far} is too far in the future: nothing changed"
    assert books(web_service, account_id) == before
