"""Letters as print-ready PDFs (reportlab): the validation notice as Model Form B-1, the others as letters.

US Letter, Helvetica (the PDF standard fonts: nothing to embed, every printer has them; Latin-1 covers
the Spanish form). The validation notice follows the CFPB's Model Form B-1 (12 CFR part 1006, appendix
B; its use is a safe harbour, 1006.34(d)(2)) in English, or its Spanish version for a debtor whose
language is "es" (a complete Spanish translation, 1006.34(e)): the header with the collector's and the
consumer's names and addresses, the statement that this is a debt collector, "Our information shows:"
with the itemization table, "How can you dispute the debt?", "What else can you do?", and the tear-off
response form under a dashed line (its words: channels/model_form_words.py). Reminders, verification
letters and plan reminders print their text under the same header.

Output is deterministic (reportlab's `invariant`: no creation time, a fixed document id): the same
letters give the same bytes, so a batch written again is identical.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Paragraph, Spacer

from channels.letters import Collector, LetterFacts, collector_of, mailing_lines
from channels.model_form_words import WORDS
from channels.render import format_date
from domain.money import format_cents
from store.views import OutboxView

WIDTH, HEIGHT = LETTER
MARGIN = 42.0
VALIDATION_NOTICE = "validation_notice"
GREY = Color(0.93, 0.93, 0.93)
FONT, BOLD, OBLIQUE = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=9, leading=11.5)
_BULLET = ParagraphStyle("bullet", parent=_BODY, leftIndent=10, bulletIndent=0, spaceAfter=4)
_INTRO = ParagraphStyle("intro", parent=_BODY, fontSize=12, leading=15.5)
_HEADING = ParagraphStyle("heading", parent=_BODY, fontName=BOLD, fontSize=11.5, leading=14)
_AMOUNT = ParagraphStyle("amount", parent=_SMALL, alignment=TA_RIGHT)
_LETTER = ParagraphStyle("letter", parent=_BODY, fontSize=10.5, leading=14, spaceAfter=7)
DISCLOSURE_POINTS = 12
"""A state's required lines (a licence number) in at least 12-point type (Cal. Civ. Code 1788.11(f))."""
_DISCLOSURE = ParagraphStyle("disclosure", parent=_BODY, fontSize=DISCLOSURE_POINTS, leading=15, spaceAfter=7)


@dataclass(frozen=True)
class Letter:
    """One queued letter: its recipient and text as queued, and the facts it prints (None: queued before
    letters kept their facts; it prints as a plain letter from its text)."""

    recipient: str
    subject: str | None
    body: str
    facts: LetterFacts | None = None


def letter_of(row: OutboxView) -> Letter:
    facts = None if row.letter is None else LetterFacts.from_document(row.letter)
    return Letter(recipient=row.recipient, subject=row.subject, body=row.body, facts=facts)


def render_letters(letters: Sequence[Letter]) -> tuple[bytes, list[int]]:
    """One PDF holding `letters` in order, and how many pages each took (a letter starts on a new page)."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=LETTER, invariant=1, pageCompression=1)
    canvas.setTitle("Letters")
    canvas.setAuthor("collections engine")
    canvas.setCreator("collections engine")
    pages = []
    for letter in letters:
        pages.append(_draw(canvas, letter))
    canvas.save()
    return out.getvalue(), pages


def render_letter(letter: Letter) -> tuple[bytes, int]:
    """One letter as its own PDF, and its page count."""
    content, pages = render_letters([letter])
    return content, pages[0]


def _draw(canvas: Canvas, letter: Letter) -> int:
    if letter.facts is not None and letter.facts.template == VALIDATION_NOTICE:
        pages = _validation_notice(canvas, letter, letter.facts)
        canvas.showPage()
        return pages
    return _plain_letter(canvas, letter)


def _text(value: str) -> str:
    """Data (names, addresses, creditors) as paragraph text: never markup."""
    return escape(value)


def _words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["en"])


def _paragraph(canvas: Canvas, text: str, style: ParagraphStyle, x: float, top: float, width: float) -> float:
    """Draw `text` wrapped to `width` with its top at `top` (from the page's top); the height used."""
    paragraph = Paragraph(text, style)
    _, height = paragraph.wrap(width, HEIGHT)
    paragraph.drawOn(canvas, x, HEIGHT - top - height)
    return float(height)


def _lines(canvas: Canvas, lines: Sequence[str], x: float, top: float, *, size: float = 9.5, leading: float = 12.5,
           font: str = FONT) -> float:  # fmt: skip
    canvas.setFont(font, size)
    for n, line in enumerate(lines):
        canvas.drawString(x, HEIGHT - top - size - n * leading, line)
    return len(lines) * leading


def _header(canvas: Canvas, collector: Collector, recipient: str, reference: str, words: dict[str, str]) -> float:
    """The collector (left), the consumer with 'To:' and the reference (right): 1006.34(c)(2)(i)-(ii)."""
    own = [collector.name, *collector.address] + ([collector.phone] if collector.phone else [])
    left = _lines(canvas, own, MARGIN, 40)
    name, address = mailing_lines(recipient)
    x = 370.0
    canvas.setFont(FONT, 9.5)
    canvas.drawString(x, HEIGHT - 40 - 9.5, words["to"])
    right = _lines(canvas, [name, *address], x + 32, 40)
    canvas.setFont(BOLD, 9.5)
    canvas.drawString(x, HEIGHT - 40 - right - 6 - 9.5, f"{words['reference']} {reference}")
    return 40 + max(left, right + 6 + 12.5) + 16


def _validation_notice(canvas: Canvas, letter: Letter, facts: LetterFacts) -> int:
    """Model Form B-1: 1006.34(c)(1)-(4), laid out as the CFPB's form (English or Spanish); its page count.

    The tear-off form starts at TEAR_OFF_TOP, lower when the text above needs the room (a long creditor
    name), and on a page of its own when the page cannot hold both."""
    words = _words(facts.language)
    collector = collector_of(facts.company_contact)
    top = _header(canvas, collector, letter.recipient, facts.account_number, words)
    creditor = _text(facts.creditor)
    # 1006.34(c)(1): the statement that the communication is from a debt collector; (c)(2)(v): the creditor now.
    top += _paragraph(
        canvas, words["intro"].format(collector=_text(collector.name), creditor=creditor), _INTRO, MARGIN, top,
        WIDTH - 2 * MARGIN,
    ) + 14  # fmt: skip
    column = (WIDTH - 2 * MARGIN - 24) / 2
    left_x, right_x = MARGIN, MARGIN + column + 24
    left = top + _itemization_column(canvas, facts, words, left_x, top, column)
    right = _rights_column(canvas, facts, words, right_x, top, column)
    if facts.disclosures:  # where the model form says "Notice: See reverse side": a state's required lines
        canvas.setFont(FONT, DISCLOSURE_POINTS)
        first = max(left + 16, TEAR_OFF_TOP - 14 - 15 * (len(facts.disclosures) - 1))
        for n, line in enumerate(facts.disclosures):
            canvas.drawString(left_x, HEIGHT - first - DISCLOSURE_POINTS - 15 * n, line)
        left = first + 15 * len(facts.disclosures)
    tear = max(TEAR_OFF_TOP, left + 12, right + 12)
    if tear + TEAR_OFF_HEIGHT > HEIGHT - 12:
        canvas.showPage()
        _tear_off(canvas, letter, facts, collector, words, MARGIN)
        return 2
    _tear_off(canvas, letter, facts, collector, words, tear)
    return 1


def _section(canvas: Canvas, title: str, x: float, top: float, width: float) -> float:
    used = _paragraph(canvas, title, _HEADING, x, top, width)
    canvas.setLineWidth(0.8)
    canvas.line(x, HEIGHT - top - used - 3, x + width, HEIGHT - top - used - 3)
    return used + 9


def _itemization_column(
    canvas: Canvas, facts: LetterFacts, words: dict[str, str], x: float, top: float, width: float
) -> float:
    """1006.34(c)(2)(iii)-(ix): the creditor and account number, the itemization date, the amount then,
    interest, fees, payments and credits since, and the current amount."""
    start = top
    top += _section(canvas, words["shows"], x, top, width)
    account = words["account"].format(creditor=_text(facts.creditor), account=_text(facts.account_number))
    top += _paragraph(canvas, account, _SMALL, x, top, width) + 10
    items = facts.itemization
    when = format_date(items.itemization_date, facts.language)

    def money(cents: int) -> str:
        return format_cents(cents, facts.currency)

    rows: list[tuple[str, str, str, int]] = [
        (words["owed"].format(date=when), "", money(items.amount_on_itemization_date_cents), 0),
        (words["between"].format(date=when), "", "", 0),
        (words["interest"], "+", money(items.interest_cents), 10),
        (words["fees"], "+", money(items.fees_cents), 10),
        (words["payments"], "\u2013", money(items.payments_cents), 10),
        (words["credits"], "\u2013", money(items.credits_cents), 10),
    ]
    canvas.setLineWidth(0.5)
    canvas.line(x, HEIGHT - top, x + width, HEIGHT - top)
    label_width = width - 82
    for label, sign, amount, indent in rows:
        paragraph = Paragraph(label, _SMALL)
        _, height = paragraph.wrap(label_width - indent, HEIGHT)
        row_height = height + 8
        paragraph.drawOn(canvas, x + 4 + indent, HEIGHT - top - 4 - height)
        canvas.setFont(FONT, 9)
        if sign:
            canvas.drawString(x + label_width + 2, HEIGHT - top - 4 - 9, sign)
        if amount:
            canvas.drawRightString(x + width - 4, HEIGHT - top - 4 - 9, amount)
        top += row_height
        canvas.setStrokeColor(GREY if indent else black)
        canvas.line(x + indent, HEIGHT - top, x + width, HEIGHT - top)
        canvas.setStrokeColor(black)
    canvas.setFillColor(GREY)
    canvas.rect(x, HEIGHT - top - 20, width, 20, stroke=0, fill=1)
    canvas.setFillColor(black)
    canvas.setFont(BOLD, 9.5)
    canvas.drawString(x + 4, HEIGHT - top - 14, words["total"])
    canvas.drawRightString(x + width - 4, HEIGHT - top - 14, money(items.current_cents))
    canvas.line(x, HEIGHT - top - 20, x + width, HEIGHT - top - 20)
    return top + 20 - start


def _rights_column(
    canvas: Canvas, facts: LetterFacts, words: dict[str, str], x: float, top: float, width: float
) -> float:
    """1006.34(c)(3)(i)-(iii): the validation period's end, the dispute and original-creditor rights;
    (c)(3)(iv): the CFPB website; (d)(3)(vi): the Spanish-language option (on the English form)."""
    end = "" if facts.validation_period_end is None else format_date(facts.validation_period_end, facts.language)
    top += _section(canvas, words["dispute"], x, top, width)
    for key in ("dispute_1", "dispute_2"):
        top += _bullet(canvas, words[key].format(end=end), x, top, width)
    top += 6
    top += _section(canvas, words["else"], x, top, width)
    for key in ("else_1", "else_2", "else_3", "spanish"):
        if words[key]:
            top += _bullet(canvas, words[key].format(end=end), x, top, width)
    return top


def _bullet(canvas: Canvas, text: str, x: float, top: float, width: float) -> float:
    paragraph = Paragraph(text, _BULLET, bulletText="\u2022")
    _, height = paragraph.wrap(width, HEIGHT)
    paragraph.drawOn(canvas, x, HEIGHT - top - height)
    return float(height) + 4


TEAR_OFF_TOP = 530.0
TEAR_OFF_HEIGHT = 236.0
"""From the dashed line to the last line of the response form (the English form, the longer)."""


def _tear_off(
    canvas: Canvas, letter: Letter, facts: LetterFacts, collector: Collector, words: dict[str, str], at: float
) -> float:
    """The consumer-response form under a dashed line (1006.34(c)(4)): the collector's return address and
    the consumer's address (for a window envelope) on the left, the dispute prompts (c)(4)(i), the
    original-creditor prompt (c)(4)(ii) and the Spanish request (d)(3)(vi) as check boxes on the right."""
    y = HEIGHT - at
    canvas.saveState()
    canvas.setDash(4, 3)
    canvas.setLineWidth(0.8)
    canvas.line(0, y, WIDTH, y)
    canvas.restoreState()
    canvas.setFont("ZapfDingbats", 14)
    canvas.drawString(MARGIN - 8, y - 15, "\u2702")  # scissors, in ZapfDingbats
    top = at + 34
    canvas.setFont(BOLD, 9.5)
    canvas.drawString(MARGIN + 54, HEIGHT - top - 9.5, words["mail_to"])
    _lines(canvas, [collector.name, *collector.address], MARGIN + 54, top + 13)
    name, address = mailing_lines(letter.recipient)
    _lines(canvas, [name, *address], MARGIN + 54, top + 110)
    x, width = 330.0, WIDTH - 330.0 - MARGIN
    top = at + 22
    top += _paragraph(canvas, words["respond"], _HEADING, x, top, width) + 4
    top += _paragraph(canvas, f"<i>{words['check']}</i>", _SMALL, x, top, width) + 6
    top += _box(canvas, f"<b>{words['because']}</b>", x, top, width)
    for key in ("not_mine", "wrong", "other"):
        top += _box(canvas, words[key], x + 16, top, width - 16)
    top += _box(canvas, f"<b>{words['original']}</b>", x, top, width)
    enclosed = Paragraph(f"<b>{words['enclosed']}</b>", _SMALL)
    label_width, height = enclosed.wrap(width - 16 - 80, HEIGHT)
    _check(canvas, x, top)
    enclosed.drawOn(canvas, x + 16, HEIGHT - top - height)
    canvas.rect(x + width - 78, HEIGHT - top - 14, 78, 16, stroke=1, fill=0)
    canvas.setFont(FONT, 9)
    canvas.drawString(x + width - 74, HEIGHT - top - 9.5, "$")
    top += max(height, 16) + 8
    payable = words["payable"].format(collector=_text(collector.name), reference=_text(facts.account_number))
    top += _paragraph(canvas, payable, _SMALL, x, top, width) + 6
    if words["quiero"]:
        top += _box(canvas, f"<b>{words['quiero']}</b>", x, top, width)
    return top - at


def _check(canvas: Canvas, x: float, top: float) -> None:
    canvas.setLineWidth(0.8)
    canvas.rect(x, HEIGHT - top - 9, 8, 8, stroke=1, fill=0)


def _box(canvas: Canvas, text: str, x: float, top: float, width: float) -> float:
    """A check box (an empty square) and its label; the height used."""
    _check(canvas, x, top)
    return _paragraph(canvas, text, _SMALL, x + 16, top, width - 16) + 5


def _plain_letter(canvas: Canvas, letter: Letter) -> int:
    """A reminder, verification or plan reminder (or a letter queued before letters kept their facts): the
    header, the subject, the text as queued; onto more pages if it is long. The page count."""
    facts = letter.facts
    if facts is not None:
        words = _words(facts.language)
        collector = collector_of(facts.company_contact)
        top = _header(canvas, collector, letter.recipient, facts.account_number, words)
        body = _drop_first_line(letter.body, facts.company_contact)
    else:
        name, address = mailing_lines(letter.recipient)
        top = 40 + _lines(canvas, [name, *address], MARGIN, 40) + 24
        body = letter.body
    story: list[Paragraph | Spacer] = []
    if letter.subject:
        story += [Paragraph(f"<b>{_text(letter.subject)}</b>", _INTRO), Spacer(0, 8)]
    disclosures = facts.disclosures if facts is not None else ()
    for block in body.strip("\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip() not in disclosures]
        if lines:
            story.append(Paragraph("<br/>".join(_text(line) for line in lines), _LETTER))
    story += [Paragraph(_text(line), _DISCLOSURE) for line in disclosures]
    pages = 1
    while True:
        frame = Frame(MARGIN, MARGIN, WIDTH - 2 * MARGIN, HEIGHT - top - MARGIN, 0, 0, 0, 0)
        frame.addFromList(story, canvas)
        canvas.showPage()
        if not story:
            return pages
        pages, top = pages + 1, MARGIN


def _drop_first_line(body: str, company_contact: str) -> str:
    """The text templates open with the collector's contact line, which the PDF's header already shows."""
    first, _, rest = body.partition("\n")
    return rest if first.strip() == company_contact.strip() else body
