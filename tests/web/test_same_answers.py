"""One validation point per event: the same payment, good or bad, gets the same answer from the CLI (a process)
and from the web API, and a refused one changes nothing in the store; `--wait` and `?wait=true` tell the truth."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from store import repository
from store.db import make_engine, make_session_factory
from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService

pytestmark = pytest.mark.e2e

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def store_of(web: WebService, account_id: str) -> tuple[Any, ...]:
    """What a refused payment must leave alone: the account's balance and stage, its payments, the requests in its
    audit log (the workflow's own entries, contacts going out meanwhile, are not the caller's doing)."""

    async def read() -> tuple[Any, ...]:
        engine = make_engine(web.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session:
                account = await repository.get_account(session, account_id)
                payments = await repository.payments_for(session, account_id)
                audit = await repository.audit_trail(session, account_id)
        finally:
            await engine.dispose()
        state = None if account is None else (account.balance_cents, account.stage)
        return state, [p.reference for p in payments], [e for e in audit if e.action.startswith("request.")]

    return asyncio.run(read())


def cli_pays(web: WebService, account_id: str, *options: str) -> tuple[int, str]:
    done = web.operator("event", "payment", account_id, *options)
    return done.returncode, (done.stdout if done.returncode == 0 else done.stderr).strip()


def api_pays(web: WebService, account_id: str, body: dict[str, str], wait: bool = False) -> tuple[int, str]:
    with web.client("oscar") as client:
        answer = client.post(f"/api/accounts/{account_id}/payments", json=body, params={"wait": wait} if wait else {})
    data = answer.json()
    return answer.status_code, data["result"] if answer.status_code == 200 else data["error"]


def both_pay(web: WebService, account_id: str, amount: str, reference: str, received_on: str | None = None):
    """The CLI's and the API's answers to one payment, each as (exit code or HTTP status, the line)."""
    options = ["--amount", amount, "--reference", reference] + (["--received-on", received_on] if received_on else [])
    body = {"amount": amount, "reference": reference} | ({"received_on": received_on} if received_on else {})
    return cli_pays(web, account_id, *options), api_pays(web, account_id, body)


BAD = [
    ("W1", "12.345", "R-malformed", None, "malformed amount '12.345': expected dollars and cents like 1234.56"),
    ("W1", "0.00", "R-zero", None, "amount must be greater than zero, got '0.00'"),
    ("W1", "-5.00", "R-negative", None, "malformed amount '-5.00': expected dollars and cents like 1234.56"),
    (
        "W1",
        "5.00",
        "R" * 129,
        None,
        "a payment reference is at most 128 printable characters, got 129: nothing changed",
    ),
    ("W1", "5.00", "R-future", TOMORROW, f"the payment's date {TOMORROW} is in the future: nothing changed"),
    ("W1", "5.00", "R-baddate", "12/01/2026", "the payment's date must be an ISO date (YYYY-MM-DD), got '12/01/2026'"),
    ("NOPE", "5.00", "R-unknown", None, "unknown account NOPE"),
]


@pytest.mark.parametrize(("account_id", "amount", "reference", "received_on", "says"), BAD)
def test_a_bad_payment_gets_the_same_one_line_answer_from_the_cli_and_the_api_and_changes_nothing(
    web_service: WebService, account_id: str, amount: str, reference: str, received_on: str | None, says: str
) -> None:
    before = store_of(web_service, "W1")
    (code, cli_says), (status, api_says) = both_pay(web_service, account_id, amount, reference, received_on)
    assert code == 1 and status in (404, 422)
    assert cli_says == f"error: {api_says}" and says in api_says
    assert store_of(web_service, "W1") == before


def test_the_truth_about_a_payment_applied_a_duplicate_and_a_closed_account(web_service: WebService) -> None:
    code, paid = cli_pays(web_service, "W1", "--amount", "10.00", "--reference", "CLI-1", "--wait")
    status, api_paid = api_pays(web_service, "W2", {"amount": "10.00", "reference": "API-1"}, wait=True)
    assert (code, status) == (0, 200)
    stage = f"stage {web_service.operator.status('W1')['stage'].replace('_', ' ')}"
    assert paid == f"payment CLI-1 sent to account W1; applied: balance $90.00, {stage}"
    assert api_paid.startswith("payment API-1 sent to account W2; applied: balance $190.00, stage ")

    before = store_of(web_service, "W1")
    again = both_pay(web_service, "W1", "10.00", "CLI-1")
    recorded = f"duplicate: payment CLI-1 was already recorded on {date.today().isoformat()}; nothing changed"
    assert again == ((0, recorded), (200, recorded)), "a reference already recorded is said so, not 'sent'"
    elsewhere = both_pay(web_service, "W1", "10.00", "API-1")
    assert elsewhere[0] == (1, "error: payment reference API-1 already belongs to account W2: nothing changed")
    assert elsewhere[1] == (422, "payment reference API-1 already belongs to account W2: nothing changed")
    assert store_of(web_service, "W1")[:2] == before[:2], "no payment, no balance change"

    code, closed = cli_pays(web_service, "W6", "--amount", "600.00", "--reference", "CLI-6", "--wait")
    assert (code, closed) == (0, "payment CLI-6 sent to account W6; applied: balance $0.00, stage paid")
    before = store_of(web_service, "W6")
    after_close = both_pay(web_service, "W6", "5.00", "R-closed")
    refused = "account W6 is closed (paid): nothing changed"
    assert after_close == ((1, f"error: {refused}"), (422, refused))
    assert store_of(web_service, "W6") == before


def open_holds(web: WebService, account_id: str) -> list[str]:
    async def read() -> list[str]:
        engine = make_engine(web.operator.env["DATABASE_URL"])
        try:
            async with make_session_factory(engine)() as session:
                return [h.reference for h in await repository.holds_for(session, account_id) if h.released_at is None]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def both_file_bankruptcy(web: WebService, account_id: str, case: str, filed_on: str) -> tuple[Any, Any]:
    cli = web.operator(
        "event", "bankruptcy", account_id, "--chapter", "7", "--case-number", case, "--filed-on", filed_on
    )
    with web.client("oscar") as client:
        body = {"chapter": "7", "case_number": case, "filed_on": filed_on}
        api = client.post(f"/api/accounts/{account_id}/bankruptcy", json=body)
    return (cli.returncode, (cli.stdout or cli.stderr).strip()), (
        api.status_code,
        api.json().get("result") or api.json().get("error"),
    )


def test_a_hold_gets_the_same_answer_and_one_already_placed_is_said_so(web_service: WebService) -> None:
    before = store_of(web_service, "W3")
    for case, filed_on, says in [
        ("C" * 129, "2026-01-05", "a hold reference is at most 128 printable characters, got 129: nothing changed"),
        ("BK-future", TOMORROW, f"filed_on must be an ISO date not in the future and from 1900 on, got '{TOMORROW}'"),
    ]:
        (code, cli_says), (status, api_says) = both_file_bankruptcy(web_service, "W3", case, filed_on)
        assert (code, status) == (1, 422) and cli_says == f"error: {api_says}" and says in api_says
    assert store_of(web_service, "W3") == before

    filed = web_service.operator(
        "event", "bankruptcy", "W3", "--chapter", "7", "--case-number", "BK-1", "--filed-on", "2026-01-05"
    )
    assert filed.stdout.strip() == "bankruptcy hold BK-1 sent to account W3"
    wait_until(lambda: open_holds(web_service, "W3") == ["BK-1"], what="the hold in the store")
    (code, cli_says), (status, api_says) = both_file_bankruptcy(web_service, "W3", "BK-1", "2026-01-05")
    assert (code, status) == (0, 200) and cli_says == api_says
    assert api_says.startswith("duplicate: hold BK-1 is already on account W3 (since ")
