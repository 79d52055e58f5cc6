"""Medical accounts: no message carries clinical text, whatever the loaded creditor says (HIPAA minimum necessary).

What a medical account's data can carry is its creditor, loaded as free text: the provider's name
and, too often, the department, treating doctor, facility, service, or diagnosis and procedure
codes after it. Messages have no field for anything else (test_templates checks MessageContext).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs
from temporalio.testing import ActivityEnvironment

from activities.contact import ContactActivities
from channels.render import TEMPLATES, MessageContext, message_context, render_message
from domain.contact import Channel
from domain.contact_messages import SendContactInput
from store import repository
from tests.channels.test_templates import account
from tests.support.accounts import account_record

CREDITORS = (
    "Contoso Health - Cardiology",
    "Contoso Health (Dx J45.909 asthma)",
    "Contoso Health: CPT 99213 office visit 2025-11-02",
    "Contoso Health / Dr. Jane Roe",
    "Contoso Health | St. Mary's Oncology Center",
    "Contoso Health, Oncology",
    "Contoso Health; MRI brain 70551",
    "Contoso Health [Emergency Dept]",
    "Contoso Health # ICD-10 F32.9 depression",
    "Contoso Health Dept of Psychiatry",
    "Contoso Health Dr Jane Roe",
    "Contoso Health for chemotherapy",
    "Contoso Health J45.909",
    "Contoso Health Oncology",
    "Contoso Health MRI Center",
    "Contoso Health Behavioral Services",
)
CLINICAL = re.compile(
    r"\b(?:cardiology|dx|J45|asthma|CPT|99213|office visit|Dr|Jane|Roe|Mary's|oncology|MRI|brain|70551|emergency"
    r"|ICD|F32|depression|psychiatry|chemotherapy|behavioral|2025-11-02)\b",
    re.IGNORECASE,
)


def every_template() -> list[tuple[Channel, str, str]]:
    """(channel, template, language) for every template file and every language (a missing one falls back)."""
    languages = sorted(path.name for path in TEMPLATES.iterdir() if path.is_dir())
    names = sorted({path.stem for path in TEMPLATES.glob("*/*.txt")})
    return [
        (Channel(name.split("_", 1)[0]), name.split("_", 1)[1], language) for name in names for language in languages
    ]


def medical_context(creditor: str, language: str) -> MessageContext:
    view = account(creditor=creditor, medical=True, debtor_name="Pat Example")
    return message_context(
        view, language=language, company_contact="Us, PO Box 1", validation_period_end=date(2026, 3, 3)
    )


@pytest.mark.parametrize("creditor", CREDITORS)
def test_no_template_in_any_channel_or_language_prints_clinical_text(creditor: str) -> None:
    rendered = 0
    for channel, template, language in every_template():
        message = render_message(channel, template, language, medical_context(creditor, language))
        text = f"{message.subject or ''}\n{message.body}"
        assert CLINICAL.findall(text) == [], f"{channel}_{template} ({language}): {text}"
        if "$creditor" in (TEMPLATES / "en" / f"{channel.value}_{template}.txt").read_text():
            assert "Contoso Health" in text, "the creditor is still named"
        rendered += 1
    assert rendered == 2 * 9, "every template, in both languages"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_creditor_that_is_all_clinical_is_replaced_not_printed(language: str) -> None:
    context = medical_context("Oncology Associates of Springfield", language)

    assert context.creditor in ("your health care provider", "su proveedor de atención médica")
    assert "Oncology" not in render_message(Channel.LETTER, "validation_notice", language, context).body


async def test_the_send_activity_writes_and_logs_no_clinical_text(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    record = dataclasses.replace(
        account_record("M1", sms_consent=True), creditor="Contoso Health - Oncology / Dr. Jane Roe", medical=True
    )
    async with sessions() as session, session.begin():
        await repository.upsert_accounts(session, [record], now=datetime.now(UTC))
    async with sessions() as session:
        points = {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, "M1")}
    activities = ContactActivities(sessions, email=None)
    sends = [
        SendContactInput("M1", 1, Channel.LETTER, points["address"], "validation_notice", validation_notice=True,
                         validation_period_end="2026-03-03"),
        SendContactInput("M1", 2, Channel.EMAIL, points["email"], "reminder"),
        SendContactInput("M1", 3, Channel.SMS, points["phone"], "reminder"),
        SendContactInput("M1", 4, Channel.CALL, points["phone"], "reminder"),
    ]  # fmt: skip

    with capture_logs() as logs:
        for request in sends:
            await ActivityEnvironment().run(activities.send_contact, request)

    async with sessions() as session:
        rows = await repository.outbox_entries(session)
    assert len(rows) == 4
    for row in rows:
        assert CLINICAL.findall(f"{row.subject or ''}\n{row.body}") == [] and "Contoso Health" in row.body
    assert logs and CLINICAL.findall(repr(logs)) == []
