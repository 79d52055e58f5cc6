"""The contact-update routes (POST /api/accounts/{id}/contacts, /contacts/{n}, /contacts/{n}/retire, /returned-mail,
/bounced, /language): the same ops calls as `collections contact ...`, operations or above, audited with the
token's name, once per Idempotency-Key; refusals one line; a viewer sees the points masked and changes none."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import WebService

pytestmark = pytest.mark.e2e


def contact_points(web_service: WebService, account_id: str, name: str = "oscar") -> list[dict[str, Any]]:
    with web_service.client(name) as client:
        answer = client.get(f"/api/accounts/{account_id}")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["contact_points"])


def test_a_phone_added_retired_and_a_returned_letter_each_audited_with_the_tokens_name(web_service: WebService) -> None:
    body = {"kind": "phone", "value": "(646) 555-0142", "source": "debtor", "autodialer_consent": True}
    with web_service.client("oscar") as operations:
        added = operations.post("/api/accounts/W3/contacts", json=body, headers={"Idempotency-Key": "ADD-1"})
        replay = operations.post("/api/accounts/W3/contacts", json=body, headers={"Idempotency-Key": "ADD-1"})
        new = next(p for p in contact_points(web_service, "W3") if p["value"] == "+16465550142")
        number = new["point"]
        retired = operations.post(f"/api/accounts/W3/contacts/{number}/retire", json={"reason": "wrong_number"})
        twice = operations.post(f"/api/accounts/W3/contacts/{number}/retire", json={"reason": "wrong_number"})
        address = next(p for p in contact_points(web_service, "W3") if p["kind"] == "address")
        returned = operations.post("/api/accounts/W3/returned-mail", json={"address": str(address["point"])})
        spanish = operations.post("/api/accounts/W3/language", json={"language": "es"})

    assert added.status_code == 200, added.text
    assert added.json()["result"].startswith(f"phone #{number} added to account W3 (from debtor, texts no, ")
    assert replay.json() == added.json(), "a replay gets the first answer"
    assert (new["source"], new["consent_autodialer"], new["consent_autodialer_from"]) == ("debtor", True, "debtor")
    assert retired.status_code == 200 and "retired (wrong number): kept, never used again" in retired.json()["result"]
    assert twice.status_code == 422 and twice.json()["error"].endswith("it cannot be retired: nothing changed")
    assert returned.status_code == 200 and "marked undeliverable (returned mail)" in returned.json()["result"]
    assert spanish.status_code == 200 and spanish.json()["result"].startswith("account W3 now in Spanish")
    shown = {p["point"]: p for p in contact_points(web_service, "W3")}
    assert shown[number]["retired_reason"] == "wrong_number" and shown[number]["retired_by"] == "oscar"
    assert shown[address["point"]]["bad_reason"] == "returned_mail"
    requests = [(e.action, e.actor, e.detail.get("replay", False)) for e in web_service.requests("W3")]
    assert requests == [
        ("request.contact_add", "oscar", False), ("request.contact_add", "oscar", True),
        ("request.contact_retire", "oscar", False), ("request.contact_returned_mail", "oscar", False),
        ("request.contact_language", "oscar", False),
    ]  # fmt: skip
    changes = [(e.action, e.actor) for e in web_service.audit("W3") if e.action.split(".")[0] == "contact_point"]
    assert changes == [
        ("contact_point.added", "oscar"), ("contact_point.retired", "oscar"), ("contact_point.flags", "oscar"),
    ]  # fmt: skip
    assert [e.actor for e in web_service.audit("W3") if e.action == "contact.language"] == ["oscar"]


def test_consent_is_corrected_and_a_bounced_email_marked_by_number_or_address(web_service: WebService) -> None:
    phone = next(p for p in contact_points(web_service, "W4") if p["kind"] == "phone")
    email = next(p for p in contact_points(web_service, "W4") if p["kind"] == "email")
    with web_service.client("alice") as supervisor:
        consent = supervisor.post(
            f"/api/accounts/W4/contacts/{phone['point']}", json={"sms_consent": True, "consent_from": "creditor"}
        )
        bounced = supervisor.post("/api/accounts/W4/bounced", json={"email": email["value"].upper()})
        again = supervisor.post("/api/accounts/W4/bounced", json={"email": f"#{email['point']}"})
    assert consent.status_code == 200 and "texts yes (creditor, " in consent.json()["result"], consent.text
    assert bounced.status_code == 200 and "marked bad (bounced)" in bounced.json()["result"], bounced.text
    assert again.status_code == 200 and again.json()["result"].startswith("already recorded:")


@pytest.mark.parametrize(
    ("route", "body", "status", "error"),
    [
        ("/api/accounts/W5/contacts", {"kind": "phone", "value": "555", "source": "debtor"}, 422, "malformed phone"),
        ("/api/accounts/W5/contacts", {"kind": "email", "value": "x@y.z", "source": "debtor", "sms_consent": True},
         422, "consent to texts or autodialed calls is a phone's"),
        ("/api/accounts/NOPE/contacts", {"kind": "email", "value": "x@y.zz", "source": "debtor"}, 404,
         "unknown account"),
        ("/api/accounts/W5/contacts/999999/retire", {"reason": "moved"}, 422, "has no contact point #999999"),
        ("/api/accounts/W5/contacts/99999999999999999999/retire", {"reason": "moved"}, 422, "has no contact point"),
        ("/api/accounts/W5/language", {"language": "fr"}, 422, "unknown language 'fr'"),
        ("/api/accounts/W5/returned-mail", {"address": "nowhere"}, 422, "has no address like that"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_changes_nothing(
    web_service: WebService, route: str, body: dict[str, Any], status: int, error: str
) -> None:
    before = contact_points(web_service, "W5")
    with web_service.client("oscar") as operations:
        refused = operations.post(route, json=body)
    assert refused.status_code == status, refused.text
    assert error in refused.json()["error"] and "\n" not in refused.json()["error"]
    assert contact_points(web_service, "W5") == before


def test_a_viewer_sees_the_points_masked_and_may_change_none(web_service: WebService) -> None:
    phone = next(p for p in contact_points(web_service, "W6") if p["kind"] == "phone")
    with web_service.client("vera") as viewer:
        refused = [
            viewer.post("/api/accounts/W6/contacts", json={"kind": "email", "value": "x@y.zz", "source": "debtor"}),
            viewer.post(f"/api/accounts/W6/contacts/{phone['point']}/retire", json={"reason": "moved"}),
            viewer.post("/api/accounts/W6/language", json={"language": "es"}),
        ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    masked = next(p for p in contact_points(web_service, "W6", "vera") if p["kind"] == "phone")
    assert masked["value"].startswith("•••-•••-") and masked["value"] != phone["value"]
    assert [e for e in web_service.requests("W6") if e.action.startswith("request.contact")] == []
