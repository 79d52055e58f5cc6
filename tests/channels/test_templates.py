"""Message templates: what every message must say, what none may say, and the language fallback."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from channels.render import (
    TEMPLATES,
    MessageContext,
    TemplateError,
    check_templates,
    creditor_name,
    message_context,
    render_message,
    template_file,
)
from domain.contact import Channel
from store.views import AccountView

DISCLOSURE = (
    "This is a communication from a debt collector attempting to collect a debt. "
    "Any information obtained will be used for that purpose."
)
CONTEXT = MessageContext(
    debtor_name="Pat Example",
    creditor="Northwind Bank",
    balance="$500.00",
    itemization_date="January 15, 2026",
    account_reference="A1",
    company_contact="Example Collections, PO Box 1000, Springfield, IL 62701",
    validation_period_end="March 3, 2026",
)


def account(**changes: object) -> AccountView:
    at = datetime(2026, 2, 1, tzinfo=UTC)
    view = AccountView(
        account_id="A1", creditor="Northwind Bank", debtor_name="Pat Example", street="1 Main St", city="New York",
        state="NY", postal_code="10001", timezone="America/New_York", balance_cents=50_000,
        original_balance_cents=50_000, currency="USD", due_date=date(2026, 1, 15), segment="card", medical=False,
        stage=None, stage_changed_at=None, created_at=at, updated_at=at, payments_count=0, language="en",
        cease_communication_at=None,
    )  # fmt: skip
    return replace(view, **changes)  # type: ignore[arg-type]


def test_every_shipped_template_loads_and_english_has_them_all() -> None:
    checked = {f"{path.parent.name}/{path.stem}" for path in check_templates()}

    english = {
        "letter_validation_notice", "letter_reminder", "email_reminder", "sms_reminder", "call_script",
        "letter_plan_reminder", "email_plan_reminder", "sms_plan_reminder", "letter_verification",
    }  # fmt: skip
    spanish = {
        "letter_validation_notice", "letter_reminder", "email_reminder", "sms_reminder", "email_plan_reminder",
        "sms_plan_reminder",
    }  # fmt: skip
    assert checked == {f"en/{n}" for n in english} | {f"es/{n}" for n in spanish}


def test_the_validation_notice_discloses_and_names_the_dispute_deadline() -> None:
    message = render_message(Channel.LETTER, "validation_notice", "en", CONTEXT)

    assert message.subject == "Notice about your account A1"
    for expected in (
        DISCLOSURE,
        "Northwind Bank",
        "Itemization date: January 15, 2026",
        "Total amount of the debt now: $500.00",
        "You can dispute all or part of the debt until March 3, 2026",
        "How can you dispute the debt?",
        CONTEXT.company_contact,
    ):
        assert expected in message.body


def test_the_validation_notice_needs_its_period_end() -> None:
    with pytest.raises(TemplateError, match="needs validation_period_end"):
        render_message(Channel.LETTER, "validation_notice", "en", replace(CONTEXT, validation_period_end=None))


def test_reminders_disclose_and_offer_the_opt_out_of_their_channel() -> None:
    email = render_message(Channel.EMAIL, "reminder", "en", CONTEXT)
    sms = render_message(Channel.SMS, "reminder", "en", CONTEXT)
    letter = render_message(Channel.LETTER, "reminder", "en", CONTEXT)
    call = render_message(Channel.CALL, "reminder", "en", CONTEXT)

    assert DISCLOSURE in email.body and DISCLOSURE in letter.body and DISCLOSURE in call.body
    assert f"To stop emails to this address, reply STOP or write to {CONTEXT.company_contact}." in email.body
    assert email.subject == "Your account A1"
    assert sms.subject is None and sms.body.rstrip().endswith("Reply STOP to opt out.")
    assert "debt collector" in sms.body
    assert call.subject is None and "CALL SCRIPT" in call.body


@pytest.mark.parametrize(("language", "past_due"), [("en", "is past due"), ("es", "está vencido")])
def test_a_plan_reminder_says_a_plan_payment_is_past_due_on_every_channel(language: str, past_due: str) -> None:
    for channel in (Channel.EMAIL, Channel.SMS, Channel.LETTER):
        path, used = template_file(channel, "plan_reminder", language)
        message = render_message(channel, "plan_reminder", language, CONTEXT)
        assert "A1" in message.body and "Northwind Bank" in message.body
        assert (past_due if used == language else "is past due") in message.body
    assert template_file(Channel.LETTER, "plan_reminder", "es")[1] == "en"


def test_spanish_where_there_is_a_template_and_english_otherwise() -> None:
    assert template_file(Channel.SMS, "reminder", "es")[1] == "es"
    assert template_file(Channel.LETTER, "reminder", "es")[1] == "es"
    assert template_file(Channel.LETTER, "verification", "es")[1] == "en"
    assert template_file(Channel.EMAIL, "reminder", "fr")[1] == "en"
    assert template_file(Channel.CALL, "reminder", "es") == (TEMPLATES / "en" / "call_script.txt", "en")

    notice = render_message(
        Channel.LETTER, "validation_notice", "es", replace(CONTEXT, validation_period_end="3 de marzo de 2026")
    )
    sms = render_message(Channel.SMS, "reminder", "es", CONTEXT)
    assert "Puede disputar toda o parte de la deuda hasta el 3 de marzo de 2026" in notice.body
    assert "cobrador de deudas" in notice.body
    assert sms.body.rstrip().endswith("Responda STOP para no recibir más mensajes.")


def test_an_unknown_template_or_a_malicious_name_is_refused() -> None:
    with pytest.raises(TemplateError, match="no template sms_validation_notice"):
        render_message(Channel.SMS, "validation_notice", "en", CONTEXT)
    with pytest.raises(TemplateError, match="invalid template name"):
        render_message(Channel.SMS, "../../etc/passwd", "en", CONTEXT)
    assert template_file(Channel.SMS, "reminder", "../en")[1] == "en"


def test_a_template_with_an_unknown_placeholder_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "sms_reminder.txt").write_text("Your $procedure on $diagnosis_date: $balance\n")
    (tmp_path / "en" / "email_reminder.txt").write_text("No subject line here: $balance\n")

    with pytest.raises(TemplateError, match=r"unknown placeholder\(s\) \$diagnosis_date, \$procedure"):
        render_message(Channel.SMS, "reminder", "en", CONTEXT, root=tmp_path)
    with pytest.raises(TemplateError, match="first line must be 'Subject: ...'"):
        render_message(Channel.EMAIL, "reminder", "en", CONTEXT, root=tmp_path)
    with pytest.raises(TemplateError):
        check_templates(tmp_path)


def test_messages_have_no_field_for_medical_details() -> None:
    assert {f.name for f in fields(MessageContext)} == {
        "debtor_name", "creditor", "balance", "itemization_date", "account_reference", "company_contact",
        "validation_period_end", "license_line",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("creditor", "shown"),
    [
        ("Contoso Health - Cardiology", "Contoso Health"),
        ("Contoso Health (oncology services)", "Contoso Health"),
        ("Contoso Health: MRI 2025-11-02", "Contoso Health"),
        ("Contoso Health / Emergency Dept", "Contoso Health"),
        ("Contoso Health", "Contoso Health"),
    ],
)
def test_a_medical_creditor_is_shown_by_name_only(creditor: str, shown: str) -> None:
    assert creditor_name(creditor) == shown
    context = message_context(account(creditor=creditor, medical=True), language="en", company_contact="Us")
    assert context.creditor == shown


def test_a_non_medical_creditor_is_shown_as_loaded() -> None:
    context = message_context(account(creditor="Fabrikam Auto - Leasing"), language="en", company_contact="Us")

    assert context.creditor == "Fabrikam Auto - Leasing"


def test_the_context_formats_money_and_dates_in_the_messages_language() -> None:
    english = message_context(account(), language="en", company_contact="Us", validation_period_end=date(2026, 3, 3))
    spanish = message_context(account(), language="es", company_contact="Us", validation_period_end=date(2026, 3, 3))

    assert (english.balance, english.itemization_date, english.validation_period_end) == (
        "$500.00", "January 15, 2026", "March 3, 2026",
    )  # fmt: skip
    assert (spanish.itemization_date, spanish.validation_period_end) == ("15 de enero de 2026", "3 de marzo de 2026")


def test_the_verification_letter_names_the_creditor_and_the_amount_and_discloses() -> None:
    letter = render_message(Channel.LETTER, "verification", "en", CONTEXT)
    assert letter.subject == "Verification of the debt on your account A1"
    expected = (DISCLOSURE, "Creditor: Northwind Bank", "Amount of the debt now: $500.00", CONTEXT.company_contact)
    assert all(part in letter.body for part in expected), letter.body
