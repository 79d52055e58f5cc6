"""The contact activities against a real SQLite store and a loopback SMTP server."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.contact import ContactActivities
from channels.email import SmtpSender
from domain.contact import Channel, Outcome, Rule
from domain.contact_messages import (
    AttemptStatus,
    ContactPreferenceInput,
    LoadContactSnapshotInput,
    RecordBlockedInput,
    RecordOutcomeInput,
    SendContactInput,
    SendContactResult,
)
from ops.outbox import export_outbox_file
from store import repository
from store.models import AccountRow
from tests.support.accounts import add_account
from tests.support.smtp import SmtpServer, free_port, smtp_server

Sessions = async_sessionmaker[AsyncSession]
DISCLOSURE = "This is a communication from a debt collector attempting to collect a debt."
OPT_OUT_LINE = "To stop emails to this address, reply STOP or write to"
PERSONAL = ("Pat Example", "pat@example.com", "+12125550100", "1 Main St")


class DeliverThenFail(SmtpSender):
    """The server takes the message, then the activity dies before it can record that."""

    async def send(self, **message: str) -> None:
        await super().send(**message)
        raise ConnectionResetError("worker lost its connection after the data went out")


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    async with smtp_server() as server:
        yield server


def sender(server: SmtpServer, cls: type[SmtpSender] = SmtpSender) -> SmtpSender:
    return cls(server.host, server.port, "collections@example.com", timeout=5)


async def points(sessions: Sessions, account_id: str = "A1") -> dict[str, int]:
    async with sessions() as session:
        return {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, account_id)}


async def set_account(sessions: Sessions, account_id: str = "A1", **values: object) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(AccountRow).where(AccountRow.account_id == account_id).values(**values))


def request(
    attempt_no: int, channel: Channel, point_id: int, template: str = "reminder", **more: Any
) -> SendContactInput:
    return SendContactInput("A1", attempt_no, channel, point_id, template, **more)


async def send(activities: ContactActivities, message: SendContactInput) -> SendContactResult:
    return await ActivityEnvironment().run(activities.send_contact, message)


async def attempt_status(sessions: Sessions, attempt_no: int, account_id: str = "A1") -> AttemptStatus | None:
    async with sessions() as session:
        found = await repository.get_attempt(session, account_id, attempt_no)
    return None if found is None else found.status


async def outbox(sessions: Sessions) -> list[Any]:
    async with sessions() as session:
        return await repository.outbox_entries(session)


async def test_an_email_goes_out_once_even_when_the_activity_runs_twice(sessions: Sessions, smtp: SmtpServer) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    email = (await points(sessions))["email"]
    activities = ContactActivities(sessions, sender(smtp))

    with structlog.testing.capture_logs() as logs:
        first = await send(activities, request(1, Channel.EMAIL, email))
        second = await send(activities, request(1, Channel.EMAIL, email))

    assert first == second
    assert (first.status, first.rule) == (AttemptStatus.SENT, None)
    assert first.local_at.endswith(("-05:00", "-04:00"))
    assert len(smtp.received) == 1
    mail = smtp.received[0]
    assert mail.envelope_to == ["pat@example.com"]
    assert mail.message["Message-ID"] == "<attempt.A1.1@example.com>"
    assert mail.message["Subject"] == "Your account A1"
    assert DISCLOSURE in mail.body and OPT_OUT_LINE in mail.body and "Pat Example" in mail.body
    assert await outbox(sessions) == []
    assert [log["event"] for log in logs] == ["contact.sent", "contact.already_recorded"]
    assert not any(value in repr(logs) for value in PERSONAL)
    assert logs[0]["account_id"] == "A1" and logs[0]["attempt_no"] == 1


async def test_a_crash_after_the_server_took_the_email_ends_unconfirmed_and_nothing_is_resent(
    sessions: Sessions, smtp: SmtpServer
) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    email = (await points(sessions))["email"]

    crashed = await send(ContactActivities(sessions, sender(smtp, DeliverThenFail)), request(1, Channel.EMAIL, email))
    retried = await send(ContactActivities(sessions, sender(smtp)), request(1, Channel.EMAIL, email))

    assert crashed.status == retried.status == AttemptStatus.UNCONFIRMED
    assert len(smtp.received) == 1
    assert await attempt_status(sessions, 1) == AttemptStatus.UNCONFIRMED


async def test_a_retry_that_finds_the_attempt_sending_marks_it_unconfirmed_without_sending(
    sessions: Sessions, smtp: SmtpServer
) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    email = (await points(sessions))["email"]
    async with sessions() as session, session.begin():
        await repository.begin_attempt(
            session, account_id="A1", attempt_no=1, channel=Channel.EMAIL, contact_point_id=email,
            template="reminder", validation_notice=False, now=datetime.now(UTC),
        )  # fmt: skip

    with structlog.testing.capture_logs() as logs:
        result = await send(ContactActivities(sessions, sender(smtp)), request(1, Channel.EMAIL, email))

    assert result.status == AttemptStatus.UNCONFIRMED
    assert smtp.received == []
    assert [(log["event"], log["log_level"]) for log in logs][0] == ("contact.unconfirmed", "warning")


async def test_a_refused_email_is_forgotten_so_that_the_retry_sends_it(sessions: Sessions, smtp: SmtpServer) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    email = (await points(sessions))["email"]
    nobody = SmtpSender("127.0.0.1", free_port(), "collections@example.com", timeout=5)

    with pytest.raises(ApplicationError) as refused:
        await send(ContactActivities(sessions, nobody), request(1, Channel.EMAIL, email))
    assert (refused.value.type, refused.value.non_retryable) == ("NotDelivered", False)
    assert "pat@example.com" not in str(refused.value)
    assert await attempt_status(sessions, 1) is None

    retried = await send(ContactActivities(sessions, sender(smtp)), request(1, Channel.EMAIL, email))
    assert retried.status == AttemptStatus.SENT and len(smtp.received) == 1


@pytest.mark.parametrize(
    ("channel", "kind"), [(Channel.LETTER, "address"), (Channel.SMS, "phone"), (Channel.CALL, "phone")]
)
async def test_letters_texts_and_calls_land_in_the_outbox_once(sessions: Sessions, channel: Channel, kind: str) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    point = (await points(sessions))[kind]
    activities = ContactActivities(sessions, email=None)

    results = [await send(activities, request(1, channel, point)) for _ in range(2)]

    assert results[0] == results[1] and results[0].status == AttemptStatus.SENT
    [row] = await outbox(sessions)
    assert (row.attempt_key, row.channel, row.contact_point_id) == ("attempt:A1:1", channel, point)
    assert row.recipient == {"address": "Pat Example\n1 Main St, New York, NY 10001", "phone": "+12125550100"}[kind]
    assert (row.subject is None) == (channel != Channel.LETTER)
    assert "debt collector" in row.body


async def test_without_smtp_email_goes_to_the_outbox(sessions: Sessions) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    email = (await points(sessions))["email"]

    result = await send(ContactActivities(sessions, email=None), request(1, Channel.EMAIL, email))

    [row] = await outbox(sessions)
    assert result.status == AttemptStatus.SENT
    assert (row.channel, row.recipient, row.subject) == (Channel.EMAIL, "pat@example.com", "Your account A1")
    assert OPT_OUT_LINE in row.body


async def test_the_validation_notice_letter_carries_the_dispute_deadline(sessions: Sessions) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    address = (await points(sessions))["address"]
    notice = request(1, Channel.LETTER, address, "validation_notice", validation_notice=True,
                     validation_period_end="2026-03-03")  # fmt: skip

    await send(ContactActivities(sessions, email=None), notice)

    [row] = await outbox(sessions)
    assert "You can dispute all or part of the debt until March 3, 2026" in row.body
    async with sessions() as session:
        [attempt] = await repository.attempts_for(session, "A1")
    assert (attempt.template, attempt.validation_notice) == ("validation_notice", True)


async def test_an_export_hands_each_queued_message_out_once(sessions: Sessions, store_url: str, tmp_path: Path) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    ids = await points(sessions)
    activities = ContactActivities(sessions, email=None)
    await send(activities, request(1, Channel.LETTER, ids["address"]))
    await send(activities, request(2, Channel.SMS, ids["phone"]))
    now = datetime.now(UTC)

    first = await export_outbox_file(store_url, "letter", tmp_path / "letters.csv", now, by="ops")
    second = await export_outbox_file(store_url, "letter", tmp_path / "again.csv", now, by="ops")

    assert (first.batch, first.description, second.batch, second.description) == (1, "1 letter", None, "0 letters")
    with (tmp_path / "letters.csv").open(newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["attempt_key"], row["channel"], row["recipient"]) == (
        "attempt:A1:1", "letter", "Pat Example\n1 Main St, New York, NY 10001",
    )  # fmt: skip
    assert not (tmp_path / "again.csv").exists(), "nothing to export: no file"
    with pytest.raises(ValueError, match=r"^unknown channel 'fax': one of letter, email, sms, call$"):
        await export_outbox_file(store_url, "fax", tmp_path / "fax.csv", now, by="ops")
    assert (await export_outbox_file(store_url, "sms", tmp_path / "sms.csv", now, by="ops")).description == (
        "1 text message"
    )


async def test_a_medical_accounts_messages_name_the_creditor_only(sessions: Sessions, smtp: SmtpServer) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    await set_account(sessions, creditor="Contoso Health - Cardiology", medical=True, segment="medical")
    ids = await points(sessions)
    activities = ContactActivities(sessions, sender(smtp))

    for attempt_no, (channel, kind) in enumerate(
        [(Channel.EMAIL, "email"), (Channel.LETTER, "address"), (Channel.SMS, "phone"), (Channel.CALL, "phone")], 1
    ):
        await send(activities, request(attempt_no, channel, ids[kind]))

    bodies = [smtp.received[0].body, *(row.body for row in await outbox(sessions))]
    subjects = [smtp.received[0].message["Subject"], *(row.subject or "" for row in await outbox(sessions))]
    assert len(bodies) == 4
    assert all("Contoso Health" in body for body in bodies)
    assert not any("Cardiology" in text for text in bodies + subjects)


async def test_spanish_where_a_template_exists_and_english_otherwise(sessions: Sessions) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    await set_account(sessions, language="es")
    ids = await points(sessions)
    activities = ContactActivities(sessions, email=None)

    await send(activities, request(1, Channel.SMS, ids["phone"]))
    await send(activities, request(2, Channel.LETTER, ids["address"]))
    await send(activities, request(3, Channel.LETTER, ids["address"], "validation_notice", validation_notice=True,
                                   validation_period_end="2026-03-03"))  # fmt: skip
    await send(activities, request(4, Channel.LETTER, ids["address"], "verification"))

    sms, reminder, notice, verification = await outbox(sessions)
    assert "Responda STOP para no recibir más mensajes." in sms.body
    assert reminder.subject == "Recordatorio sobre su cuenta A1" and "cobrador de deudas" in reminder.body
    assert "Puede disputar toda o parte de la deuda hasta el 3 de marzo de 2026" in notice.body
    assert verification.subject == "Verification of the debt on your account A1"  # no Spanish one: English


async def test_a_point_opted_out_since_the_snapshot_is_blocked_at_send(sessions: Sessions) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    phone = (await points(sessions))["phone"]
    activities = ContactActivities(sessions, email=None)
    env = ActivityEnvironment()
    await env.run(activities.apply_contact_preference, ContactPreferenceInput("A1", "opt_out", phone, "sms"))

    texted = await send(activities, request(1, Channel.SMS, phone))
    called = await send(activities, request(2, Channel.CALL, phone))

    assert (texted.status, texted.rule) == (AttemptStatus.BLOCKED, Rule.OPTED_OUT)
    assert called.status == AttemptStatus.SENT
    assert [row.channel for row in await outbox(sessions)] == [Channel.CALL]


async def test_requests_the_store_cannot_honour_are_refused_for_good(sessions: Sessions) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    ids = await points(sessions)
    activities = ContactActivities(sessions, email=None)
    env = ActivityEnvironment()

    cases: list[tuple[Any, object, str]] = [
        (activities.send_contact, request(1, Channel.SMS, ids["email"]), "ContactPointMismatch"),
        (activities.send_contact, SendContactInput("A9", 1, Channel.SMS, ids["phone"], "reminder"), "UnknownAccount"),
        (activities.send_contact, request(1, Channel.SMS, ids["phone"], "nonexistent"), "TemplateError"),
        (activities.record_contact_outcome, RecordOutcomeInput("A1", 9, Outcome.NO_ANSWER), "UnknownAttempt"),
        (activities.load_contact_snapshot, LoadContactSnapshotInput("A9"), "UnknownAccount"),
        (activities.apply_contact_preference, ContactPreferenceInput("A1", "opt_out", None), "UnknownContactPoint"),
        (activities.apply_contact_preference, ContactPreferenceInput("A1", "shout"), "Refused"),
    ]
    for function, argument, error in cases:
        with pytest.raises(ApplicationError) as refused:
            await env.run(function, argument)
        assert (refused.value.type, refused.value.non_retryable) == (error, True)
    assert await outbox(sessions) == []


async def test_blocked_attempts_outcomes_and_preferences_reach_the_store_once(sessions: Sessions) -> None:
    await add_account(sessions, "A1", sms_consent=True)  # texts need prior consent (the gate asks again at send)
    ids = await points(sessions)
    activities = ContactActivities(sessions, email=None)
    env = ActivityEnvironment()
    at = datetime(2026, 2, 1, 3, 0, tzinfo=UTC)

    for _ in range(2):
        blocked = RecordBlockedInput("A1", 1, Channel.CALL, ids["phone"], Rule.CALLING_HOURS, at)
        await env.run(activities.record_blocked_attempt, blocked)
        await send(activities, request(2, Channel.CALL, ids["phone"]))
        await env.run(activities.record_contact_outcome, RecordOutcomeInput("A1", 2, Outcome.WRONG_NUMBER))
        await env.run(activities.apply_contact_preference, ContactPreferenceInput("A1", "cease"))
    snapshot = await env.run(activities.load_contact_snapshot, LoadContactSnapshotInput("A1"))

    async with sessions() as session:
        attempts = await repository.attempts_for(session, "A1")
        trail = await repository.audit_trail(session, "A1")
    assert [(a.attempt_no, a.status, a.rule, a.outcome) for a in attempts] == [
        (1, AttemptStatus.BLOCKED, Rule.CALLING_HOURS, None),
        (2, AttemptStatus.SENT, None, Outcome.WRONG_NUMBER),
    ]
    assert attempts[0].local_at == "2026-01-31T22:00:00-05:00"
    assert snapshot.cease_communication and [p.bad for p in snapshot.points] == [True, False, False]
    assert [e.action for e in trail].count("contact.outcome") == 1
    assert [e.action for e in trail].count("contact.cease_communication") == 1
    stopped = await send(activities, request(3, Channel.LETTER, ids["address"]))
    assert (stopped.status, stopped.rule) == (AttemptStatus.BLOCKED, Rule.CEASE_COMMUNICATION)


async def test_a_validation_notice_after_creditor_changes_itemizes_them_a_later_service_as_another_debt(
    sessions: Sessions,
) -> None:
    from datetime import date, timedelta

    from store import creditor

    await add_account(sessions, "A1", balance_cents=50_000)
    async with sessions() as session:
        account = await repository.get_account(session, "A1")
    assert account is not None
    on = account.due_date  # the itemization date: none loaded, so the due date
    now = datetime.now(UTC)
    for kind, reference, cents, served in (
        ("charge", "V-0", 5_000, on - timedelta(days=3)),  # a service before the itemization date
        ("charge", "V-1", 12_500, on + timedelta(days=1)),  # a new service: another debt
        ("insurance", "EOB-1", -4_000, None),
        ("contractual_allowance", "CA-1", -1_000, None),
    ):
        async with sessions() as session, session.begin():
            await creditor.record_creditor_entry(
                session, account_id="A1", kind=kind, reference=reference, amount_cents=cents, entered_by="olive",
                now=now, service_date=served, description="office visit" if kind == "charge" else None,
            )  # fmt: skip
    address = (await points(sessions))["address"]
    notice = request(1, Channel.LETTER, address, "validation_notice", validation_notice=True,
                     validation_period_end="2026-03-03")  # fmt: skip

    await send(ContactActivities(sessions, email=None), notice)

    [row] = await outbox(sessions)
    assert row.letter is not None
    items = row.letter["itemization"]
    assert items["itemization_date"] == on.isoformat() and isinstance(on, date)
    assert (items["amount_on_itemization_date_cents"], items["fees_cents"]) == (55_000, 0), "a charge is no fee"
    assert (items["payments_cents"], items["credits_cents"]) == (4_000, 1_000)
    assert "office visit" not in row.body
