"""Letters as print-ready PDFs, read back as a reader would (pypdf's text): the validation notice as Model
Form B-1 with every element 12 CFR 1006.34(c) requires, in English and Spanish, its itemization adding up,
the tear-off response form; the other letters; the same bytes every time; the export to a folder.

Letters are queued by the real send activity against a real SQLite store, then drawn from their outbox row.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.contact import ContactActivities
from channels.pdf_letters import letter_of, render_letter, render_letters
from domain.contact import Channel
from domain.contact_messages import SendContactInput
from ops.errors import OpsError
from ops.letter_files import MANIFEST, letter_files
from ops.outbox import export_letters, export_outbox_file, write_letter_batch
from store import repository
from store.models import AccountRow
from store.views import OutboxView
from tests.channels.test_medical_messages import CLINICAL
from tests.support.accounts import RECENTLY_DUE, account_record, add_account

Sessions = async_sessionmaker[AsyncSession]
PERIOD_END = "2027-01-19"
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def text_of(content: bytes) -> str:
    """Every page's text, whitespace collapsed (a paragraph's line breaks are where the layout put them)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def us_date(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


async def queue(sessions: Sessions, template: str = "validation_notice", attempt_no: int = 1) -> OutboxView:
    """The letter as the send activity queues it (the workflow's path), read back from the outbox."""
    async with sessions() as session:
        points = {p.kind: p.contact_point_id for p in await repository.contact_points_for(session, "A1")}
    notice = template == "validation_notice"
    request = SendContactInput(
        "A1", attempt_no, Channel.LETTER, points["address"], template, validation_notice=notice,
        validation_period_end=PERIOD_END if notice else None,
    )  # fmt: skip
    await ActivityEnvironment().run(ContactActivities(sessions, email=None).send_contact, request)
    async with sessions() as session:
        rows = await repository.outbox_entries(session, account_id="A1", channel=Channel.LETTER)
    return next(row for row in rows if row.attempt_key == f"attempt:A1:{attempt_no}")


async def set_account(sessions: Sessions, **values: object) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(AccountRow).where(AccountRow.account_id == "A1").values(**values))


async def pay_and_adjust(sessions: Sessions) -> None:
    """$500.00 loaded; $50.00 paid, then $100.00 taken off by an adjustment: $350.00 now."""
    async with sessions() as session, session.begin():
        await repository.record_payment(
            session, account_id="A1", reference="CHK-1", amount_cents=5_000, received_on=RECENTLY_DUE,
            source="check", now=NOW,
        )  # fmt: skip
        await repository.adjust_balance(
            session, account_id="A1", reference="ADJ-1", amount_cents=10_000, reason="goodwill", now=NOW
        )


async def test_1006_34_c_the_validation_notice_carries_every_element_of_model_form_b1(sessions: Sessions) -> None:
    await add_account(sessions)
    await pay_and_adjust(sessions)

    content, pages = render_letter(letter_of(await queue(sessions)))

    reader = pypdf.PdfReader(io.BytesIO(content))
    assert pages == len(reader.pages) == 1
    assert (reader.pages[0].mediabox.width, reader.pages[0].mediabox.height) == (612, 792), "US Letter"
    text = text_of(content)
    itemized = us_date(RECENTLY_DUE)
    required = {
        "1006.34(c)(1) debt collector statement": "Example Collections is a debt collector.",
        "(c)(2)(i) collector's name and address": "Example Collections PO Box 1000 Springfield, IL 62701",
        "(c)(2)(ii) consumer's name and address": "To: Pat Example 1 Main St New York, NY 10001",
        "(c)(2)(iii)-(v) creditor and account number": "account with Northwind Bank with account number A1.",
        "(c)(2)(v) the creditor now": "a debt that you owe to Northwind Bank.",
        "(c)(2)(vi)-(vii) itemization date and amount": f"As of {itemized}, you owed: $500.00",
        "(c)(2)(viii) itemization since": f"Between {itemized} and today:",
        "(c)(2)(viii) interest": "You were charged this amount in interest: + $0.00",
        "(c)(2)(viii) fees": "You were charged this amount in fees: + $0.00",
        "(c)(2)(viii) payments": "You paid this amount toward the debt: \u2013 $50.00",
        "(c)(2)(viii) credits": "You were credited this amount toward the debt: \u2013 $100.00",
        "(c)(2)(ix) current amount": "Total amount of the debt now: $350.00",
        "(c)(3)(i) validation period end": "Call or write to us by January 19, 2027, to dispute all or part of the "
        "debt.",
        "(c)(3)(ii) stop collection until verified": "If you write to us by January 19, 2027, we must stop collection",
        "(c)(3)(iii) assumed valid": "If you do not, we will assume that our information is correct.",
        "(c)(3) original creditor": "Write to ask for the name and address of the original creditor",
        "(c)(3)(iv) CFPB website": "Go to www.cfpb.gov/debt-collection to learn more about your rights",
        "(d)(3)(vi) Spanish option": "Póngase en contacto con nosotros para solicitar una copia de este formulario "
        "en español.",
        "sections": "How can you dispute the debt?",
        "what else": "What else can you do?",
        "(c)(4) response form": "How do you want to respond? Check all that apply:",
        "(c)(4)(i) dispute prompts": "I want to dispute the debt because I think: This is not my debt. The amount "
        "is wrong. Other (please describe on reverse or attach additional information).",
        "(c)(4)(ii) original-creditor prompt": "I want you to send me the name and address of the original creditor.",
        "(c)(4) payment prompt": "I enclosed this amount: $",
        "(c)(4) return address": "Mail this form to: Example Collections PO Box 1000 Springfield, IL 62701 "
        "Pat Example 1 Main St New York, NY 10001",
        "payable": "Make your check payable to Example Collections. Include the reference number A1.",
        "(d)(3)(vi) Spanish request": "Quiero este formulario en español.",
    }  # fmt: skip
    missing = {name: words for name, words in required.items() if words not in text}
    assert not missing, f"missing from the notice: {missing}\n{text}"
    assert text.count("\u2702") == 1, "the scissors on the dashed tear-off line"


async def test_1006_34_c_2_viii_the_printed_itemization_adds_up(sessions: Sessions) -> None:
    await add_account(sessions, balance_cents=123_456)
    await pay_and_adjust(sessions)
    text = text_of(render_letter(letter_of(await queue(sessions)))[0])

    def amount(label: str) -> int:
        found = re.search(re.escape(label) + r" [+\u2013]? ?\$([0-9,]+)\.([0-9]{2})", text)
        assert found, f"{label!r} not in {text}"
        return int(found[1].replace(",", "")) * 100 + int(found[2])

    owed = amount("you owed:")
    interest, fees = amount("in interest:"), amount("in fees:")
    paid, credited = amount("You paid this amount toward the debt:"), amount("credited this amount toward the debt:")
    now = amount("Total amount of the debt now:")

    assert (owed, interest, fees, paid, credited, now) == (123_456, 0, 0, 5_000, 10_000, 108_456)
    assert owed + interest + fees - paid - credited == now


async def test_1006_34_b_3_the_itemization_date_loaded_with_the_account_is_the_one_printed(sessions: Sessions) -> None:
    loaded = dataclasses.replace(account_record("A1"), itemization_date=date(2026, 6, 30))  # the file's column
    async with sessions() as session, session.begin():
        await repository.upsert_accounts(session, [loaded], now=NOW)

    text = text_of(render_letter(letter_of(await queue(sessions)))[0])

    assert "As of June 30, 2026, you owed: $500.00" in text
    assert "Between June 30, 2026 and today:" in text


async def test_1006_34_e_a_spanish_speaking_debtor_gets_the_spanish_model_form(sessions: Sessions) -> None:
    await add_account(sessions)
    await set_account(sessions, language="es")
    await pay_and_adjust(sessions)

    text = text_of(render_letter(letter_of(await queue(sessions)))[0])

    for words in (
        "Example Collections es un cobrador de deudas.",
        "Estamos tratando de cobrar una deuda que usted tiene con Northwind Bank.",
        "Para: Pat Example 1 Main St New York, NY 10001", "Referencia: A1",
        "Nuestra información muestra lo siguiente:", "con el número de cuenta A1.",
        "Pagó esta cantidad a la deuda: \u2013 $50.00", "Se le abonó esta cantidad a la deuda: \u2013 $100.00",
        "Monto total de la deuda ahora: $350.00", "¿Cómo puede disputar la deuda?", "antes del 19 de enero de 2027",
        "¿Qué más puede hacer?", "www.cfpb.gov/debt-collection", "¿Cómo desea responder?",
        "Quiero disputar la deuda porque pienso que: Esta no es mi deuda. La cantidad es incorrecta.",
        "Quiero que me envíe el nombre y la dirección del acreedor original.", "Adjunto esta cantidad: $",
        "Envíe este formulario a: Example Collections",
    ):  # fmt: skip
        assert words in text, f"{words!r} not in {text}"
    for english in ("How can you dispute the debt?", "is a debt collector", "How do you want to respond?"):
        assert english not in text


async def test_a_medical_accounts_notice_names_the_creditor_only(sessions: Sessions) -> None:
    await add_account(sessions)
    await set_account(sessions, medical=True, creditor="Contoso Health - Oncology / Dr. Jane Roe (Dx C50.911)")

    content, _ = render_letter(letter_of(await queue(sessions)))
    text = text_of(content)

    assert "a debt that you owe to Contoso Health." in text
    assert not CLINICAL.search(text), CLINICAL.search(text)
    assert b"Oncology" not in content and b"Jane" not in content


async def test_names_and_creditors_are_printed_as_written_never_as_markup(sessions: Sessions) -> None:
    await add_account(sessions)
    await set_account(sessions, debtor_name="Pat <b>Example</b> & Sons", creditor="Northwind <i>Bank</i> & Co")
    async with sessions() as session:
        [point] = [p for p in await repository.contact_points_for(session, "A1") if p.kind == "address"]

    text = text_of(render_letter(letter_of(await queue(sessions)))[0])

    assert point.label is None
    assert "To: Pat <b>Example</b> & Sons" in text
    assert "a debt that you owe to Northwind <i>Bank</i> & Co." in text


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("reminder", "Our records show a balance of $500.00 on your account with Northwind Bank (reference A1)."),
        ("verification", "You disputed this debt. As you asked, here is its verification:"),
        ("plan_reminder", "A payment on your repayment plan for your account with Northwind Bank"),
    ],
)
async def test_the_other_letters_are_pdfs_with_the_same_header(sessions: Sessions, template: str, words: str) -> None:
    await add_account(sessions)

    content, pages = render_letter(letter_of(await queue(sessions, template)))
    text = text_of(content)

    assert pages == 1
    assert text.startswith("Example Collections PO Box 1000 Springfield, IL 62701 1-800-555-0100 To: Pat Example")
    assert "Reference: A1" in text and words in text
    assert "This is a communication from a debt collector" in text


async def test_the_same_letters_give_the_same_bytes_and_later_changes_do_not_reprint_them(sessions: Sessions) -> None:
    await add_account(sessions)
    row = await queue(sessions)
    first = render_letters([letter_of(row)])

    await pay_and_adjust(sessions)  # the account changes after the letter went out
    async with sessions() as session:
        [again] = await repository.outbox_entries(session, account_id="A1")

    assert render_letters([letter_of(again)]) == first
    assert letter_files(3, [again]) == letter_files(3, [row])
    assert "Total amount of the debt now: $500.00" in text_of(first[0]), "the amount on the day it was sent"


async def test_an_export_writes_one_pdf_per_letter_the_batch_and_a_manifest(
    sessions: Sessions, store_url: str, tmp_path: Path
) -> None:
    await add_account(sessions)
    await queue(sessions, "validation_notice", 1)
    await queue(sessions, "reminder", 2)
    folder = tmp_path / "letters"

    done = await export_letters(store_url, folder, NOW, by="test")

    assert (done.batch, done.description, done.path) == (1, "2 letters", folder)
    assert done.summary == (
        f"2 PDFs, one per letter; all of them in {folder}/batch-1.pdf (2 pages); the print vendor's manifest "
        f"{folder}/manifest.csv"
    )
    names = sorted(path.name for path in folder.iterdir())
    assert names == ["0001-A1-validation_notice.pdf", "0002-A1-reminder.pdf", "batch-1.pdf", MANIFEST]
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in folder.iterdir())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    manifest = list(csv.DictReader(io.StringIO((folder / MANIFEST).read_text(encoding="utf-8"))))
    assert [(m["file"], m["letter"], m["pages"], m["batch_first_page"]) for m in manifest] == [
        ("0001-A1-validation_notice.pdf", "validation_notice", "1", "1"),
        ("0002-A1-reminder.pdf", "reminder", "1", "2"),
    ]
    assert [(m["name"], m["address_1"], m["address_2"], m["account_id"]) for m in manifest] == [
        ("Pat Example", "1 Main St", "New York, NY 10001", "A1")
    ] * 2
    batch_text = text_of((folder / "batch-1.pdf").read_bytes())
    assert batch_text.index("is a debt collector") < batch_text.index("Our records show a balance")

    again = tmp_path / "again"
    rewritten = await write_letter_batch(store_url, 1, again, NOW)
    assert rewritten.same_as_first
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {p.name: p.read_bytes() for p in folder.iterdir()}


async def test_a_folder_with_files_in_it_is_refused_before_any_letter_is_marked(
    sessions: Sessions, store_url: str, tmp_path: Path
) -> None:
    await add_account(sessions)
    await queue(sessions)
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")

    with pytest.raises(OpsError) as refused:
        await export_letters(store_url, folder, NOW, by="test")

    assert str(refused.value) == f"{folder} is not empty: an export never overwrites a file; give a new or empty folder"
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    async with sessions() as session:
        [row] = await repository.outbox_entries(session, account_id="A1")
    assert row.export_batch_no is None, "nothing marked"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (await export_letters(store_url, empty, NOW, by="test")).batch == 1, "an empty folder is fine"


async def test_letters_still_go_to_a_csv_file_when_asked(sessions: Sessions, store_url: str, tmp_path: Path) -> None:
    await add_account(sessions)
    await queue(sessions)

    done = await export_outbox_file(store_url, "letter", tmp_path / "letters.csv", NOW, by="test")

    assert (done.batch, done.description, done.summary) == (1, "1 letter", "")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "letters.csv").read_text(encoding="utf-8"))))
    assert [row["attempt_key"] for row in rows] == ["attempt:A1:1"]


async def test_a_licence_line_the_state_requires_is_printed_on_the_notice(sessions: Sessions) -> None:
    """California (Civ. Code 1788.11(f)): the licence number on written communications; the notice prints the
    message's licence line where the model form says 'Notice: See reverse side'."""
    await add_account(sessions)
    letter = letter_of(await queue(sessions))
    assert letter.facts is not None
    licensed = dataclasses.replace(
        letter, facts=dataclasses.replace(letter.facts, disclosures=("California Debt Collector License No. 10059-99",))
    )

    text = text_of(render_letter(licensed)[0])

    assert "California Debt Collector License No. 10059-99" in text
    assert text.index("License No. 10059-99") < text.index("How do you want to respond?"), "above the tear-off"


@pytest.mark.parametrize(("words", "pages"), [(12, 1), (40, 2)])
async def test_a_long_creditor_name_moves_the_tear_off_form_down_or_to_its_own_page(
    sessions: Sessions, words: int, pages: int
) -> None:
    await add_account(sessions)
    await set_account(sessions, creditor=" ".join(["Northwind"] * words))

    content, drawn = render_letter(letter_of(await queue(sessions)))

    assert drawn == pages == len(pypdf.PdfReader(io.BytesIO(content)).pages)
    text = text_of(content)
    for form in ("What else can you do?", "How do you want to respond?", "Quiero este formulario en español."):
        assert text.count(form) == 1, form


def sizes_of(content: bytes, words: str) -> set[float]:
    """The type sizes (points, as printed) of the text runs that contain `words`."""
    found: set[float] = set()

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if words in text:
            found.add(round(size * abs(tm[3]) * abs(cm[3] or 1), 1))

    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("template", ["validation_notice", "reminder"])
async def test_civ_code_1788_11_f_the_licence_line_is_in_at_least_12_point_type(
    sessions: Sessions, template: str
) -> None:
    """Cal. Civ. Code 1788.11(f): the California licence number in at least 12-point type, on the notice and
    on the other letters alike."""
    await add_account(sessions)
    letter = letter_of(await queue(sessions, template))
    assert letter.facts is not None
    line = "California Debt Collector License No. 10059-99"
    licensed = dataclasses.replace(
        letter, body=f"{letter.body}\n{line}\n", facts=dataclasses.replace(letter.facts, disclosures=(line,))
    )

    sizes = sizes_of(render_letter(licensed)[0], "10059-99")

    assert sizes and min(sizes) >= 12, sizes
