"""Issue 16 over HTTP, against `starter.py web`, worker.py and a dev server as processes: a payment file posted
through the API lands on the same book as the CLI's (the CLI then finds every item a duplicate), the suspense
queue is worked through the API with the roles of the CLI, and a file whose totals disagree changes nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_operations_end_to_end import wait_until
from tests.web.conftest import WebService
from tests.web.test_same_answers import store_of

pytestmark = pytest.mark.e2e
TODAY = date.today().isoformat()
HEADER = "item_reference,account_number,remittance_reference,amount,received_on,payer"


def a_file(*rows: str, total: str) -> bytes:
    return "\n".join([HEADER, *rows, f"total,{len(rows)},{total}"]).encode() + b"\n"


def balance(web: WebService, account_id: str) -> int:
    state = store_of(web, account_id)[0]
    return int(state[0])


def post(web: WebService, who: str, body: bytes, name: str) -> tuple[int, dict[str, Any]]:
    with web.client(who) as client:
        answer = client.post("/api/payment-files", params={"name": name}, content=body)
    return answer.status_code, answer.json()


def test_a_file_posted_over_http_is_on_the_clis_book_and_suspense_is_worked_with_the_same_roles(
    web_service: WebService, tmp_path: Path
) -> None:
    web = web_service
    body = a_file(
        f"H-1,W1,,10.00,{TODAY},Pat Doe 1",
        f"H-2,,nobody,5.00,{TODAY},Sam Stranger",
        f"H-3,,W3,7.50,{TODAY},Pat Doe 3",
        total="22.50",
    )
    assert post(web, "vera", body, "http.csv") == (
        403,
        {"error": "the viewer role may not send events or start workflows"},
    )

    status, report = post(web, "oscar", body, "http.csv")
    assert status == 200, report
    assert (report["posted"], report["posted_cents"], report["suspense"], report["unmatched"]) == (2, 1_750, 1, 1)
    wait_until(lambda: balance(web, "W1") == 9_000 and balance(web, "W3") == 29_250, what="W1, W3 paid")

    on_disk = tmp_path / "http.csv"
    on_disk.write_bytes(body)
    again = web.operator("payments", "post", str(on_disk), "--json")
    assert again.returncode == 0, again.stderr
    assert (json.loads(again.stdout)["duplicates"], json.loads(again.stdout)["posted"]) == (3, 0)

    status, refused = post(web, "oscar", a_file(f"H-9,W1,,1.00,{TODAY},Pat", total="2.00"), "bad.csv")
    assert status == 422 and refused["error"].startswith("bad.csv refused whole:"), refused
    assert balance(web, "W1") == 9_000

    with web.client("oscar") as oscar, web.client("alice") as alice:
        [queued] = oscar.get("/api/suspense").json()
        assert (queued["item_reference"], queued["file_name"], queued["line"]) == ("H-2", "http.csv", 3)
        denied = oscar.post(f"/api/suspense/{queued['id']}/refund", json={"reason": "unknown payer"})
        assert denied.status_code == 403
        applied = oscar.post(f"/api/suspense/{queued['id']}/apply", json={"account": "W2", "reason": "phoned"})
        assert applied.status_code == 200, applied.text
        assert applied.json()["result"].startswith(
            f"suspense item {queued['id']} applied: payment H-2 sent to account W2"
        )
        wait_until(lambda: balance(web, "W2") == 19_500, what="H-2 applied to W2")
        assert oscar.get("/api/suspense").json() == []
        twice = alice.post(f"/api/suspense/{queued['id']}/refund", json={"reason": "late"})
        assert twice.status_code == 422 and "was already resolved (applied to W2 by oscar" in twice.json()["error"]
    [entry] = [e for e in web.audit("W2") if e.action == "request.suspense.apply"]
    assert entry.actor == "oscar"
