"""Civ. Code 1788.11(f): a California debtor's letters, emails and texts show the collector's California licence
number; with none configured (COLLECTOR_LICENSES) the send activity refuses them, and nothing is queued."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.contact import ContactActivities
from domain.contact import Channel, Rule
from domain.contact_messages import AttemptStatus, LoadContactSnapshotInput, SendContactInput
from store import repository
from store.models import AccountRow
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
LICENCE_LINE = "California Debt Collector License No. 10059-99"


async def california_account(sessions: Sessions) -> dict[str, int]:
    await add_account(sessions, "C1", timezone="America/Los_Angeles")
    async with sessions() as session, session.begin():
        await session.execute(
            update(AccountRow)
            .where(AccountRow.account_id == "C1")
            .values(street="1 Main St", city="Fresno", state="CA", postal_code="93721")
        )
    async with sessions() as session:
        return {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, "C1")}


async def send(activities: ContactActivities, attempt_no: int, channel: Channel, point: int, **more: Any) -> Any:
    message = SendContactInput("C1", attempt_no, channel, point, more.pop("template", "reminder"), **more)
    return await ActivityEnvironment().run(activities.send_contact, message)


async def test_civ_code_1788_11_f_a_california_letter_and_email_print_the_licence_number(sessions: Sessions) -> None:
    ids = await california_account(sessions)
    activities = ContactActivities(sessions, email=None, licences={"US-CA": "10059-99"})

    letter = await send(activities, 1, Channel.LETTER, ids["address"])
    email = await send(activities, 2, Channel.EMAIL, ids["email"])

    assert letter.status == email.status == AttemptStatus.SENT
    async with sessions() as session:
        queued = await repository.outbox_entries(session)
    assert [entry.channel for entry in queued] == [Channel.LETTER, Channel.EMAIL]
    for entry in queued:
        assert LICENCE_LINE in entry.body.splitlines(), entry.body
    letter_document = queued[0].letter
    assert letter_document is not None
    assert list(letter_document["disclosures"]) == [LICENCE_LINE], "the print-ready PDF prints it too"


async def test_civ_code_1788_11_f_no_licence_configured_no_written_message_to_a_california_debtor(
    sessions: Sessions,
) -> None:
    ids = await california_account(sessions)
    activities = ContactActivities(sessions, email=None)

    refused = await send(activities, 1, Channel.LETTER, ids["address"])

    assert (refused.status, refused.rule) == (AttemptStatus.BLOCKED, Rule.LICENSE_NUMBER_MISSING)
    async with sessions() as session:
        assert await repository.outbox_entries(session) == []


async def test_a_new_york_debtor_needs_no_california_licence(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    async with sessions() as session:
        address = next(p for p in await repository.contact_points_for(session, "A1") if p.kind == "address")
    activities = ContactActivities(sessions, email=None)

    sent = await ActivityEnvironment().run(
        activities.send_contact, SendContactInput("A1", 1, Channel.LETTER, address.contact_point_id, "reminder")
    )

    assert sent.status == AttemptStatus.SENT
    async with sessions() as session:
        (entry,) = await repository.outbox_entries(session)
    assert "License No." not in entry.body


async def test_civ_code_1788_11_f_the_contact_snapshot_tells_the_gate_when_the_licence_is_missing(
    sessions: Sessions,
) -> None:
    await california_account(sessions)
    load = LoadContactSnapshotInput("C1")

    without = await ActivityEnvironment().run(ContactActivities(sessions, email=None).load_contact_snapshot, load)
    licensed = ContactActivities(sessions, email=None, licences={"US-CA": "10059-99"})
    with_licence = await ActivityEnvironment().run(licensed.load_contact_snapshot, load)

    assert without.jurisdictions == ["US", "US-CA"]
    assert (without.licence_missing, with_licence.licence_missing) == (["US-CA"], [])
