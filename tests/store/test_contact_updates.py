"""Contact updates in the store (store/contact_updates.py), on SQLite and PostgreSQL: points added, corrected,
retired and found bad, never deleted; what the gate's snapshot, the zones and the audit log make of them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import Refused
from store import contact_updates, repository
from store.audit import audit_trail
from store.contact_updates import Consent
from store.errors import UnknownContactPoint
from store.models import ContactPointRow
from tests.support.accounts import add_account

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


async def points(sessions: Sessions, account_id: str = "A1") -> dict[str, int]:
    async with sessions() as session:
        return {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, account_id)}


async def add(sessions: Sessions, value: str = "(787) 555-0142", **more: object) -> contact_updates.PointAdded:
    fields: dict = {"kind": "phone", "source": "debtor", "consent": Consent(), "now": NOW, "actor": "jane"} | more
    async with sessions() as session, session.begin():
        return await contact_updates.add_contact_point(session, account_id="A1", value=value, **fields)


async def retire(sessions: Sessions, point_id: int, reason: str = "moved") -> None:
    async with sessions() as session, session.begin():
        await contact_updates.retire_contact_point(
            session, account_id="A1", point_id=point_id, reason=reason, now=NOW, actor="jane"
        )


async def actions(sessions: Sessions) -> list[tuple[str, str, dict]]:
    async with sessions() as session:
        trail = await audit_trail(session, "A1")
    return [(e.action, e.actor, e.detail) for e in trail if e.action.startswith("contact")]


async def test_a_phone_added_with_consent_is_in_the_gates_snapshot_with_who_gave_it(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    given = NOW - timedelta(days=2)

    added = await add(sessions, consent=Consent(sms=None, autodialer=True, given_by="debtor", given_at=given))

    point = added.point
    assert added.created and point.value == "+17875550142" and point.source == "debtor"
    autodialer = (point.consent_autodialer, point.consent_autodialer_from, point.consent_autodialer_at)
    assert autodialer == (True, "debtor", given)
    assert (point.consent_sms, point.consent_sms_from) == (False, None)
    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")
        zones = await repository.debtor_zones(session, "A1")
    seen = next(p for p in snapshot.points if p.point_id == point.contact_point_id)
    assert seen.consent_autodialer and not seen.bad
    assert "America/Puerto_Rico" in zones, "the new phone's zone counts for the calling hours"
    [(action, actor, detail)] = await actions(sessions)
    assert (action, actor) == ("contact_point.added", "jane")
    assert detail["consent_autodialer"] is True and "+17875550142" not in str(detail), "no value in the audit log"


async def test_adding_the_same_value_again_changes_nothing_even_when_two_arrive_at_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    first, second = await asyncio.gather(add(sessions, "787-555-0142"), add(sessions, "+1 (787) 555 0142"))
    again = await add(sessions, "7875550142")

    assert sorted([first.created, second.created, again.created]) == [False, False, True]
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(ContactPointRow).where(
            ContactPointRow.value == "+17875550142"
        ))  # fmt: skip
    assert count == 1
    assert [a for a, _, _ in await actions(sessions)] == ["contact_point.added"]


async def test_retiring_keeps_the_row_and_the_gate_zones_and_rule_packs_stop_using_it(sessions: Sessions) -> None:
    await add_account(sessions, "A1")  # a New York phone (212) and address
    mobile = (await add(sessions)).point.contact_point_id  # Puerto Rico (787)
    async with sessions() as session:
        before = await repository.debtor_zones(session, "A1")
    assert "America/Puerto_Rico" in before

    await retire(sessions, mobile, "disconnected")

    async with sessions() as session:
        row = await session.get(ContactPointRow, mobile)
        snapshot = await repository.contact_snapshot(session, "A1")
        after = await repository.debtor_zones(session, "A1")
    assert row is not None, "never deleted"
    assert (row.retired_by, row.retired_reason, row.retired_at, row.bad) == ("jane", "disconnected", NOW, True)
    assert next(p for p in snapshot.points if p.point_id == mobile).bad, "the gate refuses it (bad contact point)"
    assert "America/Puerto_Rico" not in after, "a retired phone says nothing of where the debtor is"
    last = [(a, d.get("reason")) for a, _, d in await actions(sessions)][-1]
    assert last == ("contact_point.retired", "disconnected")


async def test_retiring_twice_or_an_unknown_or_anothers_point_is_refused_changing_nothing(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "B1")
    phone = (await points(sessions))["phone"]
    await retire(sessions, phone)
    before = await actions(sessions)

    with pytest.raises(Refused, match=r"was retired on 2026-12-07 by jane \(moved\); it cannot be retired"):
        await retire(sessions, phone)
    with pytest.raises(UnknownContactPoint, match="account A1 has no contact point #999"):
        await retire(sessions, 999)
    with pytest.raises(UnknownContactPoint, match=r"account A1 has no contact point #\d+"):
        await retire(sessions, (await points(sessions, "B1"))["phone"])
    assert await actions(sessions) == before


async def test_a_retired_value_added_again_is_refused(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await retire(sessions, (await points(sessions))["phone"], "wrong_number")

    with pytest.raises(Refused, match=r"phone #\d+ of account A1 has that value and was retired on 2026-12-07"):
        await add(sessions, "(212) 555-0100")


async def test_a_correction_is_a_new_point_and_the_old_one_retired_pointing_to_it(sessions: Sessions) -> None:
    await add_account(sessions, "A1", sms_consent=True)
    old = (await points(sessions))["phone"]

    async with sessions() as session, session.begin():
        new = await contact_updates.correct_contact_point(
            session, account_id="A1", point_id=old, value="(212) 555-0111", source=None, consent=Consent(),
            now=NOW, actor="jane",
        )  # fmt: skip

    async with sessions() as session:
        retired = await session.get(ContactPointRow, old)
    assert retired is not None and (retired.retired_reason, retired.replaced_by) == ("corrected", new.contact_point_id)
    assert new.value == "+12125550111" and not new.consent_sms, "consent is not carried to another number"
    assert [a for a, _, _ in await actions(sessions)] == ["contact_point.added", "contact_point.retired"]


async def test_consent_given_then_withdrawn_is_kept_with_when_and_from_whom(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    phone = (await points(sessions))["phone"]

    async def update(consent: Consent, source: str | None = None) -> list[str]:
        async with sessions() as session, session.begin():
            return await contact_updates.update_contact_point(
                session, account_id="A1", point_id=phone, source=source, consent=consent, now=NOW, actor="jane"
            )

    assert await update(Consent(sms=True, given_by="creditor"), source="creditor") == ["source", "consent_sms"]
    assert await update(Consent(sms=True, given_by="creditor")) == [], "a retry changes nothing"
    assert await update(Consent(sms=False)) == ["consent_sms"]
    async with sessions() as session:
        row = await session.get(ContactPointRow, phone)
    assert row is not None and (row.consent_sms, row.consent_sms_from, row.consent_sms_at) == (False, None, NOW)
    assert [a for a, _, _ in await actions(sessions)] == ["contact_point.updated"] * 2


async def test_a_returned_letter_marks_the_address_undeliverable_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    address = (await points(sessions))["address"]

    async def returned() -> bool:
        async with sessions() as session, session.begin():
            return await contact_updates.mark_point_bad(
                session, account_id="A1", point_id=address, reason="returned_mail", now=NOW, actor="jane"
            )

    assert await returned() and not await returned()
    async with sessions() as session:
        row = await session.get(ContactPointRow, address)
        snapshot = await repository.contact_snapshot(session, "A1")
    assert row is not None and (row.bad, row.bad_reason, row.retired_at) == (True, "returned_mail", None)
    assert next(p for p in snapshot.points if p.point_id == address).bad
    assert [(a, d.get("reason")) for a, _, d in await actions(sessions)] == [("contact_point.flags", "returned_mail")]


async def test_a_wrong_number_records_why_the_phone_is_bad(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    phone = (await points(sessions))["phone"]

    async with sessions() as session, session.begin():
        await repository.set_point_flags(session, point_id=phone, bad=True, now=NOW, reason="wrong_number")

    async with sessions() as session:
        row = await session.get(ContactPointRow, phone)
    assert row is not None and (row.bad, row.bad_reason) == (True, "wrong_number")


async def test_the_language_is_recorded_once_with_who_changed_it(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    async def to(language: str) -> str | None:
        async with sessions() as session, session.begin():
            return await contact_updates.set_language(
                session, account_id="A1", language=language, now=NOW, actor="jane"
            )

    assert await to("es") == "en" and await to("es") is None
    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")
    assert snapshot.language == "es"
    assert await actions(sessions) == [("contact.language", "jane", {"from": "en", "to": "es"})]
