"""Minimum necessary: the one rule of what each role sees of an account (domain.disclosure)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.disclosure import (
    WITHHELD,
    Kind,
    Shown,
    creditor_name,
    disclose_picture,
    disclose_reminders,
    disclose_status,
    initials,
    mask_address,
    mask_email,
    mask_phone,
    shown,
    shown_creditor,
)

CREDITOR = "Springfield Oncology Associates"
PICTURE: dict[str, Any] = {
    "account": {
        "account_id": "M1", "debtor_name": "Pat Doe", "street": "1 Main St", "city": "Springfield", "state": "IL",
        "postal_code": "62701", "creditor": CREDITOR, "medical": True, "balance_cents": 10700,
    },
    "status": {"stage": "on_hold", "hold": "dispute: my cancer treatment was covered", "balance_cents": 10700},
    "contact_points": [
        {"kind": "phone", "value": "+12125550101", "role": "debtor", "label": None},
        {"kind": "email", "value": "pat@example.com", "role": "debtor", "label": None},
        {"kind": "address", "value": "1 Main St, Springfield, IL 62701", "role": "debtor", "label": None},
        {"kind": "phone", "value": "+12125550199", "role": "attorney", "label": "Ann Counsel"},
        {"kind": "email", "value": "rep@example.com", "role": "representative", "label": "Rita Rep"},
    ],
    "holds": [{"kind": "deceased", "detail": {"representative": "Rita Rep", "date_of_death": "2026-01-02"}}],
    "notes": [{"author": "oscar", "text": "debtor says chemo ran late"}],
    "placements": [{"placement_no": 1, "recall_reason": "hospice"}],
}  # fmt: skip


def test_the_maskers() -> None:
    assert initials("Pat  van Doe") == "P. V. D."
    assert mask_phone("+12125550101") == "•••-•••-0101"
    assert mask_email("pat@example.com") == "p•••@example.com"
    assert mask_address("77 Elm St, Springfield, IL 62701") == "Springfield, IL"
    assert (initials(""), mask_phone("12"), mask_email("nobody"), mask_address("77 Elm St")) == (
        WITHHELD,
        "•••",
        "•••",
        WITHHELD,
    )


def test_each_role_sees_what_it_needs() -> None:
    assert {kind: shown("viewer", kind) for kind in Kind} == {
        Kind.NAME: Shown.MASKED, Kind.PHONE: Shown.MASKED, Kind.EMAIL: Shown.MASKED, Kind.ADDRESS: Shown.MASKED,
        Kind.FREE_TEXT: Shown.MASKED, Kind.THIRD_PARTY: Shown.HIDDEN, Kind.MEDICAL_CREDITOR: Shown.MASKED,
    }  # fmt: skip
    assert [kind for kind in Kind if shown("operations", kind) != Shown.SHOWN] == [Kind.MEDICAL_CREDITOR]
    assert all(shown("supervisor", kind) == Shown.SHOWN for kind in Kind)
    assert all(shown("intruder", kind) == shown("viewer", kind) for kind in Kind), "an unknown role is a viewer"


def test_a_viewer_sees_no_identity_no_free_text_no_third_party_no_medical_service() -> None:
    seen = disclose_picture(PICTURE, "viewer")
    text = repr(seen)
    for secret in ("Pat Doe", "1 Main St", "62701", "5550101", "pat@", "cancer", "Ann Counsel", "0199", "Rita",
                   "rep@", "chemo", "hospice", "Oncology"):  # fmt: skip
        assert secret not in text, secret
    assert seen["account"]["debtor_name"] == "P. D."
    assert (seen["account"]["city"], seen["account"]["state"]) == ("Springfield", "IL")
    assert seen["account"]["creditor"] == "Springfield"
    assert [p["value"] for p in seen["contact_points"]] == ["•••-•••-0101", "p•••@example.com", "Springfield, IL"]
    assert seen["status"]["hold"] == f"dispute: {WITHHELD}"
    assert seen["holds"][0]["detail"] == {"date_of_death": "2026-01-02"}
    assert seen["account"]["balance_cents"] == 10700, "money stays"


def test_operations_sees_whom_to_contact_but_not_the_medical_service() -> None:
    seen = disclose_picture(PICTURE, "operations")
    assert seen["account"]["debtor_name"] == "Pat Doe"
    assert len(seen["contact_points"]) == 5
    assert seen["status"]["hold"] == PICTURE["status"]["hold"]
    assert seen["account"]["creditor"] == "Springfield"


def test_a_supervisor_sees_everything() -> None:
    assert disclose_picture(PICTURE, "supervisor") == PICTURE


def test_the_medical_creditor_leaves_by_its_billing_name_only() -> None:
    assert shown_creditor(CREDITOR, medical=True) == "Springfield", "a file or report: no role"
    assert shown_creditor(CREDITOR, medical=True, role="supervisor") == CREDITOR
    assert shown_creditor("Northwind Oncology Bank", medical=False) == "Northwind Oncology Bank", "not medical"
    assert creditor_name("Oncology Partners") == "your health care provider"


@pytest.mark.parametrize(("role", "expected"), [("viewer", [WITHHELD, ""]), ("supervisor", ["call back", ""])])
def test_reminders_and_status(role: str, expected: list[str]) -> None:
    assert disclose_reminders(["call back", ""], role) == expected
    assert disclose_status({"hold": None}, role) == {"hold": None}
