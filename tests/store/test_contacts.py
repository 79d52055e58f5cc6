"""Contact points, preferences, attempts and the outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.contact import Channel, Outcome, Rule
from domain.contact_messages import AttemptStatus
from store import repository
from store.db import alembic_config, make_engine, migrate
from store.errors import UnknownAccount, UnknownAttempt, UnknownContactPoint
from store.models import AccountRow, ContactPointRow
from store.outbox import outbox_batch
from store.views import AttemptBegun
from tests.support.accounts import add_account

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


async def point_ids(sessions: Sessions, account_id: str = "A1") -> dict[str, int]:
    async with sessions() as session:
        return {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, account_id)}


async def begin(sessions: Sessions, attempt_no: int, point_id: int, **fields: object) -> AttemptBegun:
    values: dict = {"channel": Channel.CALL, "template": "reminder", "validation_notice": False, "now": NOW} | fields
    async with sessions() as session, session.begin():
        return await repository.begin_attempt(
            session, account_id=values.pop("account_id", "A1"), attempt_no=attempt_no, contact_point_id=point_id,
            **values,
        )  # fmt: skip


async def test_the_contacts_migration_downgrades_and_upgrades_again(blank_database_url: str) -> None:
    await migrate(blank_database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(blank_database_url), "0001_initial")
    engine = make_engine(blank_database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert not {"contact_attempts", "outbox"} & tables
        await migrate(blank_database_url)
        async with engine.connect() as connection:
            columns = await connection.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("accounts")})
    finally:
        await engine.dispose()
    assert {"cease_communication_at", "language"} <= columns


async def test_the_snapshot_carries_ids_flags_and_zones_but_no_values(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    ids = await point_ids(sessions)

    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")

    assert [(p.point_id, p.kind, p.role, p.zones) for p in snapshot.points] == [
        (ids["phone"], "phone", "debtor", ["America/New_York"]),
        (ids["email"], "email", "debtor", ["America/New_York"]),
        (ids["address"], "address", "debtor", ["America/New_York"]),
    ]
    assert (snapshot.cease_communication, snapshot.attorney_point_ids, snapshot.language, snapshot.medical) == (
        False, [], "en", False,
    )  # fmt: skip
    assert not any(p.opted_out or p.opted_out_channels or p.bad for p in snapshot.points)
    shown = repr(snapshot)
    assert not any(value in shown for value in ("2125550100", "pat@example.com", "Main St", "Pat Example"))


async def test_without_a_known_zone_the_state_and_the_area_code_both_count(sessions: Sessions) -> None:
    """1006.6(b)(1)(i), comment 6(b)(1)(i)-1: a Texas address and a 212 number: Texas's zones and New York's."""
    await add_account(sessions, "A1")
    async with sessions() as session, session.begin():
        await session.execute(update(AccountRow).values(timezone=None, state="TX"))
        await session.execute(update(ContactPointRow).values(timezone=None))

    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")

    zones = ["America/Chicago", "America/Denver", "America/New_York"]
    assert {p.kind: p.zones for p in snapshot.points} == {"phone": zones, "email": zones, "address": zones}


async def test_a_snapshot_of_an_unknown_account_is_refused(sessions: Sessions) -> None:
    async with sessions() as session:
        with pytest.raises(UnknownAccount, match="unknown account A9"):
            await repository.contact_snapshot(session, "A9")


async def test_contact_points_are_found_by_value_as_loading_normalized_it(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    ids = await point_ids(sessions)

    async with sessions() as session:
        phone = await repository.find_contact_point(session, "A1", "phone", "(212) 555-0100")
        email = await repository.find_contact_point(session, "A1", "email", " PAT@Example.com ")
        address = await repository.find_contact_point(session, "A1", "address", "1 Main St, New York, NY 10001")
        missing = await repository.find_contact_point(session, "A1", "phone", "+1 212 555 0199")
        malformed = await repository.find_contact_point(session, "A1", "phone", "not a number")
        elsewhere = await repository.find_contact_point(session, "A2", "phone", "+12125550100")

    assert (phone and phone.contact_point_id, email and email.contact_point_id) == (ids["phone"], ids["email"])
    assert address is not None and address.contact_point_id == ids["address"]
    assert (missing, malformed, elsewhere) == (None, None, None)


async def test_point_flags_change_once_and_are_audited(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "A2")
    ids = await point_ids(sessions)

    async def flags(**changes: object) -> bool:
        async with sessions() as session, session.begin():
            return await repository.set_point_flags(session, point_id=ids["phone"], now=NOW, **changes)  # type: ignore[arg-type]

    assert await flags(opted_out=True, channel=Channel.SMS)
    assert not await flags(opted_out=True, channel="sms")
    assert await flags(bad=True)
    assert not await flags(bad=True, opted_out=None)
    assert await flags(opted_out=True)
    async with sessions() as session:
        point = await repository.get_contact_point(session, ids["phone"])
        snapshot = await repository.contact_snapshot(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert point is not None
    assert (point.opted_out, point.opted_out_at, point.opted_out_channels, point.bad, point.bad_at) == (
        True, NOW, ["sms"], True, NOW,
    )  # fmt: skip
    phone = snapshot.points[0]
    assert (phone.opted_out, phone.opted_out_channels, phone.bad) == (True, ["sms"], True)
    assert [e.detail for e in trail if e.action == "contact_point.flags"] == [
        {"point_id": ids["phone"], "kind": "phone", "opted_out_channels": ["sms"]},
        {"point_id": ids["phone"], "kind": "phone", "bad": True},
        {"point_id": ids["phone"], "kind": "phone", "opted_out": True},
    ]
    async with sessions() as session, session.begin():
        with pytest.raises(UnknownContactPoint):
            await repository.set_point_flags(session, point_id=ids["phone"], bad=False, now=NOW, account_id="A2")
        with pytest.raises(UnknownContactPoint):
            await repository.set_point_flags(session, point_id=999_999, bad=True, now=NOW)


async def test_cease_communication_is_recorded_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    for expected in (True, False):
        async with sessions() as session, session.begin():
            assert await repository.set_cease_communication(session, "A1", NOW) is expected

    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")
        account = await repository.get_account(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert snapshot.cease_communication
    assert account is not None and account.cease_communication_at == NOW
    assert [e.idempotency_key for e in trail if e.action == "contact.cease_communication"] == ["cease:A1"]
    async with sessions() as session, session.begin():
        with pytest.raises(UnknownAccount):
            await repository.set_cease_communication(session, "A9", NOW)


async def test_an_attorney_becomes_contact_points_with_the_attorney_role(sessions: Sessions) -> None:
    await add_account(sessions, "A1")

    for _ in range(2):
        async with sessions() as session, session.begin():
            ids = await repository.add_attorney(
                session, account_id="A1", name="Dana Counsel", phone="(312) 555-0111", email="dana@law.example", now=NOW
            )

    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")
        points = {p.contact_point_id: p for p in await repository.contact_points_for(session, "A1")}
        trail = await repository.audit_trail(session, "A1")
    assert len(ids) == 2 and snapshot.attorney_point_ids == ids
    assert [(points[i].kind, points[i].value, points[i].role, points[i].label) for i in ids] == [
        ("phone", "+13125550111", "attorney", "Dana Counsel"),
        ("email", "dana@law.example", "attorney", "Dana Counsel"),
    ]
    assert [p.role for p in snapshot.points if p.point_id not in ids] == ["debtor"] * 3
    assert [e.detail for e in trail if e.action == "contact.attorney_added"] == [{"point_ids": ids}]
    async with sessions() as session, session.begin():
        with pytest.raises(ValueError, match="needs a name and a phone or an email"):
            await repository.add_attorney(session, account_id="A1", name="X", phone=None, email=None, now=NOW)


async def test_an_attempt_begins_once_and_finishes_sent_with_its_local_time(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    ids = await point_ids(sessions)

    first = await begin(sessions, 1, ids["email"], channel=Channel.EMAIL)
    again = await begin(sessions, 1, ids["email"], channel=Channel.EMAIL, now=NOW + timedelta(minutes=5))
    async with sessions() as session, session.begin():
        sent = await repository.finish_attempt(
            session, account_id="A1", attempt_no=1, status=AttemptStatus.SENT, now=NOW
        )
        unchanged = await repository.finish_attempt(
            session, account_id="A1", attempt_no=1, status=AttemptStatus.UNCONFIRMED, now=NOW
        )

    assert (first.created, again.created, again.attempt) == (True, False, first.attempt)
    assert first.attempt.status == AttemptStatus.SENDING
    assert (sent.status, unchanged.status) == (AttemptStatus.SENT, AttemptStatus.SENT)
    assert (sent.at, sent.local_at) == (NOW, "2026-02-01T07:00:00-05:00")
    async with sessions() as session:
        trail = await repository.audit_trail(session, "A1")
    assert [e.idempotency_key for e in trail if e.action.startswith("contact.")] == [
        "attempt:A1:1:sending",
        "attempt:A1:1:sent",
    ]


async def test_an_unconfirmed_attempt_may_still_become_sent_and_a_sending_one_may_be_abandoned(
    sessions: Sessions,
) -> None:
    await add_account(sessions, "A1")
    ids = await point_ids(sessions)
    await begin(sessions, 1, ids["email"], channel=Channel.EMAIL)
    await begin(sessions, 2, ids["email"], channel=Channel.EMAIL)

    async with sessions() as session, session.begin():
        await repository.finish_attempt(
            session, account_id="A1", attempt_no=1, status=AttemptStatus.UNCONFIRMED, now=NOW
        )
        late = await repository.finish_attempt(
            session, account_id="A1", attempt_no=1, status=AttemptStatus.SENT, now=NOW
        )
        abandoned = await repository.abandon_attempt(session, account_id="A1", attempt_no=2, reason="refused", now=NOW)
        not_sending = await repository.abandon_attempt(session, account_id="A1", attempt_no=1, reason="x", now=NOW)

    assert (late.status, abandoned, not_sending) == (AttemptStatus.SENT, True, False)
    retried = await begin(sessions, 2, ids["email"], channel=Channel.EMAIL)
    assert retried.created


async def test_blocked_attempts_and_outcomes(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "A0")
    ids = await point_ids(sessions)
    blocked_at = NOW - timedelta(hours=1)

    for _ in range(2):
        async with sessions() as session, session.begin():
            await repository.record_blocked_attempt(
                session, account_id="A1", attempt_no=2, channel=Channel.CALL, contact_point_id=ids["phone"],
                rule=Rule.CALLING_HOURS, at=blocked_at, now=NOW,
            )  # fmt: skip
    await begin(sessions, 1, ids["phone"], status=AttemptStatus.SENT)
    await begin(sessions, 1, (await point_ids(sessions, "A0"))["phone"], account_id="A0", status=AttemptStatus.SENT)
    async with sessions() as session, session.begin():
        assert await repository.set_attempt_outcome(
            session, account_id="A1", attempt_no=1, outcome=Outcome.NO_ANSWER, now=NOW
        )
        assert not await repository.set_attempt_outcome(
            session, account_id="A1", attempt_no=1, outcome=Outcome.NO_ANSWER, now=NOW
        )
        with pytest.raises(UnknownAttempt, match="unknown contact attempt 7 of account A1"):
            await repository.set_attempt_outcome(
                session, account_id="A1", attempt_no=7, outcome=Outcome.REFUSED, now=NOW
            )

    async with sessions() as session:
        everyone = await repository.attempts_for(session, None)
        mine = await repository.attempts_for(session, "A1")
    assert [(a.account_id, a.attempt_no) for a in everyone] == [("A0", 1), ("A1", 1), ("A1", 2)]
    assert mine == everyone[1:]
    sent, blocked = mine
    assert (sent.status, sent.outcome, sent.channel, sent.template) == (
        AttemptStatus.SENT, Outcome.NO_ANSWER, Channel.CALL, "reminder",
    )  # fmt: skip
    assert (blocked.status, blocked.rule, blocked.at, blocked.local_at, blocked.template) == (
        AttemptStatus.BLOCKED, Rule.CALLING_HOURS, blocked_at, "2026-02-01T06:00:00-05:00", None,
    )  # fmt: skip


async def test_an_attempt_on_another_accounts_point_is_refused(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    await add_account(sessions, "A2")
    theirs = (await point_ids(sessions, "A2"))["phone"]

    with pytest.raises(UnknownContactPoint):
        await begin(sessions, 1, theirs)
    with pytest.raises(UnknownAccount):
        await begin(sessions, 1, theirs, account_id="A9")


async def test_concurrent_beginnings_of_one_attempt_create_it_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    ids = await point_ids(sessions)

    results = await asyncio.gather(*(begin(sessions, 1, ids["phone"]) for _ in range(3)))

    assert sorted(r.created for r in results) == [False, False, True]
    async with sessions() as session:
        assert len(await repository.attempts_for(session, "A1")) == 1


async def test_the_outbox_takes_a_message_once_and_exports_it_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1")
    ids = await point_ids(sessions)

    async def enqueue(key: str, channel: Channel, point: str) -> bool:
        async with sessions() as session, session.begin():
            return await repository.enqueue_outbox(
                session, attempt_key=key, account_id="A1", channel=channel, contact_point_id=ids[point],
                recipient="Pat Example\n1 Main St", subject="Reminder", body="Dear Pat", now=NOW,
            )  # fmt: skip

    async def export(channel: Channel, batch: int) -> list[str]:
        async with sessions() as session, session.begin():
            rows = await repository.export_outbox(session, channel=channel, now=NOW, batch_no=batch)
        return [row.attempt_key for row in rows]

    assert await enqueue("attempt:A1:1", Channel.LETTER, "address")
    assert not await enqueue("attempt:A1:1", Channel.LETTER, "address")
    assert await enqueue("attempt:A1:2", Channel.SMS, "phone")

    assert await export(Channel.LETTER, 1) == ["attempt:A1:1"]
    assert await export(Channel.LETTER, 2) == []
    assert await enqueue("attempt:A1:3", Channel.LETTER, "address")
    assert await export(Channel.LETTER, 3) == ["attempt:A1:3"]
    async with sessions() as session:
        entries = await repository.outbox_entries(session, account_id="A1")
        again = await outbox_batch(session, 3)
    assert [(e.attempt_key, e.channel, e.export_batch_no) for e in entries] == [
        ("attempt:A1:1", Channel.LETTER, 1),
        ("attempt:A1:2", Channel.SMS, None),
        ("attempt:A1:3", Channel.LETTER, 3),
    ]
    assert [e.attempt_key for e in again] == ["attempt:A1:3"]
