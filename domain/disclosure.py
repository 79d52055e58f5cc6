"""Minimum necessary: what each role may see of an account's personal data (pure; the one place that decides).

    viewer (auditor)  money, stages, dates and counts; identity masked ("P. D.", "•••-•••-0101",
                      "p•••@example.com", city and state), free text "(withheld)", attorney and
                      representative contacts hidden, a medical creditor by its billing name only
    operations        what it takes to contact and collect: names, contact points, addresses, free text
                      (it verifies disputes); a medical creditor by its billing name only
    supervisor        everything

An unknown role sees what a viewer sees. The web pages, the API and the CLI call `disclose_*` below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """A kind of personal data."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    FREE_TEXT = "free_text"
    """Dispute and hold reasons, notes, recall reasons: may tell a diagnosis."""
    THIRD_PARTY = "third_party"
    """An attorney's or an estate representative's name and contact points."""
    MEDICAL_CREDITOR = "medical_creditor"
    """A medical account's creditor as loaded: its department or service may tell the care."""


class Shown(StrEnum):
    SHOWN = "shown"
    MASKED = "masked"
    HIDDEN = "hidden"


_VIEWER = {
    Kind.NAME: Shown.MASKED, Kind.PHONE: Shown.MASKED, Kind.EMAIL: Shown.MASKED, Kind.ADDRESS: Shown.MASKED,
    Kind.FREE_TEXT: Shown.MASKED, Kind.THIRD_PARTY: Shown.HIDDEN, Kind.MEDICAL_CREDITOR: Shown.MASKED,
}  # fmt: skip
RULES: dict[str, dict[Kind, Shown]] = {
    "viewer": _VIEWER,
    "operations": {**{kind: Shown.SHOWN for kind in Kind}, Kind.MEDICAL_CREDITOR: Shown.MASKED},
    "supervisor": {kind: Shown.SHOWN for kind in Kind},
}
WITHHELD = "(withheld)"
THIRD_PARTY_ROLES = ("attorney", "representative")
"""Contact points that belong to a third party rather than the debtor."""
MEDICAL_CREDITOR_FALLBACK = {"en": "your health care provider", "es": "su proveedor de atención médica"}
_SERVICE_SEPARATORS = re.compile(
    r"\s+[-–—]\s+|\s*[(\[{:;/\\|,#*@]"  # a dash between spaces, brackets, punctuation
    r"|\s+(?=\S*\d)"  # a code or a date (a word with a digit: ICD-10, CPT, 2025-11-02)
    r"|\s+(?i:for|re|regarding|dept\.?|department|division|unit|ward|dr\.?|doctor|attn\.?)(?=\s|$)"
    r"|(?:^|\s+)(?i:cardio|cardiac|onco|radiol|dermat|orthop|p(?:a)?ediat|psych|neuro|urol|gyn|obstet|ob-gyn"
    r"|surg|chemo|dialys|emergency|mri\b|ct\b|x-ray|imaging|lab\b|laborator|rehab|mental|behavio|cancer|hiv\b"
    r"|aids\b|fertility|ivf\b|addiction|substance|hospice|maternity|dental|anesth|anaesth|pathol|endocrin"
    r"|gastro|pulmon|nephrol|hematol|haematol|infusion|transplant)"  # clinical words: a specialty names the care
)
_HOLD_PUBLIC = ("chapter", "filed_on", "date_of_death", "disputed_cents", "deadline")
"""Hold detail any role may see: the rest may name a representative or tell a reason."""


def shown(role: str, kind: Kind) -> Shown:
    """How `role` sees data of `kind` (an unknown role as a viewer)."""
    return RULES.get(str(role), _VIEWER)[kind]


def _sees(role: str, kind: Kind) -> bool:
    return shown(role, kind) == Shown.SHOWN


# ---- maskers ----


def initials(name: str) -> str:
    """'Pat Doe' -> 'P. D.'"""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[0].isalnum()) or WITHHELD


def mask_phone(phone: str) -> str:
    """'+15550100101' -> '•••-•••-0101'"""
    digits = re.sub(r"\D", "", phone)
    return f"•••-•••-{digits[-4:]}" if len(digits) >= 4 else "•••"


def mask_email(email: str) -> str:
    """'pat@example.com' -> 'p•••@example.com'"""
    local, at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if at else "•••"


def mask_address(address: str) -> str:
    """'77 Elm St, Springfield, IL 62701' -> 'Springfield, IL' (a contact point's postal address: city and state)."""
    parts = [part.strip() for part in address.split(",")]
    if len(parts) < 3 or not parts[-1]:
        return WITHHELD
    return f"{parts[-2]}, {parts[-1].split()[0]}"


def creditor_name(creditor: str, language: str = "en") -> str:
    """'Contoso Health - Cardiology' -> 'Contoso Health': a medical creditor's billing name, no service.

    The name ends at the first dash between spaces, bracket or punctuation (`( [ { : ; / \\ | , # * @`),
    word with a digit in it, or word that introduces a service or a person (`for`, `re`, `dept`,
    `department`, `division`, `unit`, `ward`, `Dr`, `doctor`, `attn`), or word that names a kind of care
    (`Oncology`, `MRI`, `Cancer`, `Psychiatry`, ...: a specialty discloses the diagnosis). A creditor with
    nothing before such a mark is MEDICAL_CREDITOR_FALLBACK (in `language`): load medical accounts under
    the billing entity's name.
    """
    name = _SERVICE_SEPARATORS.split(creditor.strip(), maxsplit=1)[0].strip()
    return name or MEDICAL_CREDITOR_FALLBACK.get(language, MEDICAL_CREDITOR_FALLBACK["en"])


def shown_creditor(creditor: str, medical: bool, role: str = "") -> str:
    """The creditor as `role` may see it; no role (a file or a report leaving the engine): the billing name."""
    return creditor_name(creditor) if medical and not _sees(role, Kind.MEDICAL_CREDITOR) else creditor


def _text(role: str, value: Any) -> Any:
    return value if not value or _sees(role, Kind.FREE_TEXT) else WITHHELD


# ---- what leaves: status, the account's picture, queue items ----


def disclose_status(status: Mapping[str, Any], role: str) -> dict[str, Any]:
    """An account's status (`ops.views.account_status`): the hold's reason is free text ('dispute: <reason>')."""
    found = dict(status)
    if found.get("hold") and not _sees(role, Kind.FREE_TEXT):
        kind = str(found["hold"]).partition(": ")[0]
        found["hold"] = f"{kind}: {WITHHELD}"
    if "contact_points" in found:  # the points' values masked as the account page masks them
        shown_points = (disclose_point(point, role) for point in found["contact_points"] or [])
        found["contact_points"] = [point for point in shown_points if point is not None]
    return found


def disclose_account(account: Mapping[str, Any], role: str) -> dict[str, Any]:
    """The account's record: debtor name, street and postal code (city and state stay), creditor."""
    found = dict(account)
    found["debtor_name"] = disclose_name(str(found.get("debtor_name") or ""), role)
    if not _sees(role, Kind.ADDRESS):
        found["street"], found["postal_code"] = WITHHELD, ""
    found["creditor"] = shown_creditor(str(found.get("creditor") or ""), bool(found.get("medical")), role)
    return found


def disclose_name(name: str, role: str) -> str:
    """A person's name (a debtor's, a payer's on a bank file) as `role` may see it."""
    return name if _sees(role, Kind.NAME) or not name else initials(name)


def disclose_point(point: Mapping[str, Any], role: str) -> dict[str, Any] | None:
    """A contact point: None when it is a third party's and hidden; the debtor's value masked by kind."""
    found = dict(point)
    if found.get("role") in THIRD_PARTY_ROLES and shown(role, Kind.THIRD_PARTY) == Shown.HIDDEN:
        return None
    kind = _POINT_KINDS.get(str(found.get("kind")))
    if kind is not None and not _sees(role, kind):
        found["value"] = _MASKERS[kind](str(found.get("value") or ""))
    return found


_POINT_KINDS = {"phone": Kind.PHONE, "email": Kind.EMAIL, "address": Kind.ADDRESS}
_MASKERS = {Kind.PHONE: mask_phone, Kind.EMAIL: mask_email, Kind.ADDRESS: mask_address}


def disclose_points(points: Sequence[Mapping[str, Any]], role: str) -> list[dict[str, Any]]:
    return [found for point in points if (found := disclose_point(point, role)) is not None]


def disclose_holds(holds: Sequence[Mapping[str, Any]], role: str) -> list[dict[str, Any]]:
    """Holds: their detail keeps only dates, chapters and amounts unless the role sees free text and third parties."""
    if _sees(role, Kind.FREE_TEXT) and _sees(role, Kind.THIRD_PARTY):
        return [dict(hold) for hold in holds]
    return [
        {**hold, "detail": {k: v for k, v in (hold.get("detail") or {}).items() if k in _HOLD_PUBLIC}} for hold in holds
    ]


def disclose_picture(picture: Mapping[str, Any], role: str) -> dict[str, Any]:
    """One account's full picture (`ops.account_view.account_picture`) as `role` may see it."""
    found = dict(picture)
    found["account"] = disclose_account(picture["account"], role)
    found["status"] = disclose_status(picture["status"], role)
    found["contact_points"] = disclose_points(picture.get("contact_points", []), role)
    found["holds"] = disclose_holds(picture.get("holds", []), role)
    found["notes"] = [{**note, "text": _text(role, note.get("text"))} for note in picture.get("notes", [])]
    found["placements"] = [
        {**placed, "recall_reason": _text(role, placed.get("recall_reason"))}
        for placed in picture.get("placements", [])
    ]
    return found


def disclose_reminders(reminders: Sequence[str], role: str) -> list[str]:
    """A queue item's note reminders (free text)."""
    return [_text(role, text) for text in reminders]
