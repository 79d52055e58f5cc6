"""The message of one contact, prepared at the moment of sending: the store's last word (cease,
opt-out, bad point, a missing licence number) and the text rendered from the store, never from Temporal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activities.support import decided_at
from channels.letters import letter_facts
from channels.render import TemplateError, message_context, render_message, template_language
from domain import cadence
from domain.compliance import ContactRequest, standing_refusal
from domain.contact import CHANNEL_POINT_KIND, Channel, Rule
from domain.contact_messages import ContactSnapshot, SendContactInput
from domain.errors import Refused
from domain.itemization import creditor_totals
from domain.rule_packs import licence_lines
from store import creditor, repository
from store.contacts import jurisdictions_of_account
from store.errors import UnknownAccount, UnknownContactPoint
from store.views import ContactSnapshotView


class ContactPointMismatch(Refused):
    """The contact point cannot carry that channel (say an email address for a call)."""


@dataclass(frozen=True)
class Outgoing:
    """An email recorded as 'sending', to hand to SMTP after that commit."""

    to: str
    subject: str
    body: str
    letter: dict[str, Any] | None = None
    """A letter's printed facts (channels/letters.py), frozen in its outbox row for its PDF."""


def snapshot_of(view: ContactSnapshotView) -> ContactSnapshot:
    """What the workflow and the send-time check see of the store's contact snapshot."""
    return ContactSnapshot(
        account_id=view.account_id,
        points=list(view.points),
        cease_communication=view.cease_communication,
        attorney_point_ids=list(view.attorney_point_ids),
        language=view.language,
        medical=view.medical,
        jurisdictions=list(view.jurisdictions),
        attorney_allows_direct_contact=view.attorney_allows_direct_contact,
    )


async def prepare_message(
    session: AsyncSession,
    request: SendContactInput,
    *,
    templates: Path,
    licence_numbers: Mapping[str, str],
    company_contact: str,
) -> tuple[Rule | None, Outgoing, str]:
    """The store's last word (cease, opt-out, bad point), the rendered message and its language."""
    account = await repository.get_account(session, request.account_id)
    if account is None:
        raise UnknownAccount(f"unknown account {request.account_id}")
    point = await repository.get_contact_point(session, request.point_id)
    if point is None or point.account_id != request.account_id:
        raise UnknownContactPoint(f"unknown contact point {request.point_id} of account {request.account_id}")
    if point.kind != CHANNEL_POINT_KIND[request.channel]:
        raise ContactPointMismatch(
            f"contact point {request.point_id} is a {point.kind}: {request.channel.value} needs a "
            f"{CHANNEL_POINT_KIND[request.channel]}"
        )
    language = template_language(request.channel, request.template, account.language, root=templates)
    try:
        period_end = date.fromisoformat(request.validation_period_end) if request.validation_period_end else None
    except ValueError:
        raise TemplateError(f"validation_period_end {request.validation_period_end!r} is not an ISO date") from None
    jurisdictions = await jurisdictions_of_account(session, request.account_id)
    licences = licence_lines(jurisdictions, request.channel, licence_numbers, language)
    context = message_context(
        account,
        language=language,
        company_contact=company_contact,
        validation_period_end=period_end,
        license_lines=licences.lines,
    )
    message = render_message(request.channel, request.template, language, context, root=templates)
    recipient, letter = point.value, None
    if request.channel == Channel.LETTER:
        recipient = f"{point.label or account.debtor_name}\n{point.value}"
        payments = await repository.payments_for(session, account.account_id)
        entries = await creditor.creditor_entries_for(session, account.account_id)
        book = creditor_totals(
            account.itemization_date or account.due_date, [(e.kind, e.amount_cents, e.service_date) for e in entries]
        )
        paid = sum(p.amount_cents for p in payments) + book.insurance_cents  # an insurer pays on the consumer's behalf
        letter = letter_facts(
            account, template=request.template, language=language, creditor=context.creditor,
            company_contact=company_contact, payments_cents=paid,
            sent_on=decided_at(request.at).date(), validation_period_end=period_end,
            disclosures=context.license_line, charges_cents=book.charges_cents, new_debt_cents=book.new_debt_cents,
        ).as_document()  # fmt: skip
    outgoing = Outgoing(to=recipient, subject=message.subject or "", body=message.body, letter=letter)
    # The gate's standing rules asked again at the moment of sending, on the store's latest facts.
    snapshot = snapshot_of(await repository.contact_snapshot(session, request.account_id))
    seen = next(p for p in snapshot.points if p.point_id == request.point_id)
    asked = ContactRequest(request.channel, seen, validation_notice=request.validation_notice)
    refused = standing_refusal(asked, cadence.standing_facts(snapshot))
    if refused is None and licences.missing:
        refused = Rule.LICENSE_NUMBER_MISSING  # Civ. Code 1788.11(f): no written message without the number
    return refused, outgoing, language
