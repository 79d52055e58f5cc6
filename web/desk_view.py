"""What the account workspace's forms offer: the choices of each select, from the account's picture (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from domain.contact import Channel, Outcome
from domain.contact_updates import RetireReason, Source
from web.wording import day, money, words

CALL_OUTCOMES = (
    Outcome.RIGHT_PARTY_CONTACT, Outcome.PROMISE_TO_PAY, Outcome.REFUSED, Outcome.VOICEMAIL, Outcome.NO_ANSWER,
    Outcome.WRONG_NUMBER, Outcome.BUSY, Outcome.NOT_IN_SERVICE,
)  # fmt: skip
"""In the order a collector picks them: a conversation first."""
INBOUND_CHANNELS = (Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.LETTER)
OPT_OUT_CHANNELS = (Channel.CALL, Channel.SMS, Channel.EMAIL)
SOURCES = tuple(source.value for source in Source)
RETIRE_REASONS = tuple(reason.value for reason in RetireReason)


PICK = ("", "choose…")
"""A select's first option where a default would decide for the collector (an outcome): sent empty, refused."""


def choices(values: Iterable[str], *, pick: bool = False) -> list[tuple[str, str]]:
    """(value, words) pairs for a select; `pick`: first a "choose…" that must be changed."""
    return [PICK] * pick + [(str(value), words(str(value))) for value in values]


def usable_points(points: Sequence[Mapping[str, Any]], kind: str) -> list[tuple[str, str]]:
    """The account's points of `kind` that may still be used: ('3', '#3 (212) 555-0101')."""
    return [
        (str(p["contact_point_id"]), f"#{p['contact_point_id']} {p['value']}")
        for p in points
        if p.get("kind") == kind and not p.get("bad") and not p.get("retired_at")
    ]


def open_attempts(attempts: Iterable[Any]) -> list[tuple[str, str]]:
    """Attempts the engine placed (calls, texts) still without an outcome: ('4', '#4 call, 2026-12-07 10:02')."""
    return [
        (str(a.attempt_no), f"#{a.attempt_no} {a.channel.value}, {a.local_at[:16].replace('T', ' ')}")
        for a in attempts
        if a.status == "sent" and a.outcome is None and not a.inbound and a.channel in (Channel.CALL, Channel.SMS)
    ]


def offer_rows(offers: Sequence[Mapping[str, Any]], currency: str) -> list[dict[str, Any]]:
    """Each offer the policy allows, in words, with the fields that propose it as it stands."""
    rows = []
    for offer in offers:
        installments = offer.get("installments") or []
        first = installments[0] if installments else {}
        kind = str(offer.get("kind"))
        settle = kind == "settlement" and len(installments) <= 1
        rows.append({
            "what": f"{words(kind)}: {len(installments)} × {money(first.get('amount_cents'), currency)}"
                    if not settle else f"settlement of {money(offer.get('total_cents'), currency)}",
            "first_due": day(first.get("due_date")),
            "total": money(offer.get("total_cents"), currency),
            "discount": money(offer.get("discount_cents"), currency) if offer.get("discount_cents") else "",
            "fields": {"settle": f"{offer['total_cents'] / 100:.2f}"} if settle
                      else {"installments": str(len(installments)), "first_payment_on": str(first.get("due_date", ""))},
        })  # fmt: skip
    return rows


def due_reminders(notes: Sequence[Mapping[str, Any]], today: date) -> list[Mapping[str, Any]]:
    """Notes whose reminder has come and is not done yet."""
    return [n for n in notes if n.get("remind_on") and n["remind_on"] <= today and not n.get("reminder_done_at")]
