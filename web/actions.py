"""The writes on one account, one function each: the API's routes (web/api.py) and the desk's forms
(web/desk.py) both call these, through ops.requests.perform_write (once per key, audited with the caller).

Each takes (ctx, caller, account_id, body) and answers `Written`: the line a person reads, the audit
detail (no personal data). The rules live below, in domain/ and ops/: these only map a body onto them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import BaseModel

from domain import holds, validation
from domain.contact_updates import BadReason
from domain.creditor_messages import ChargeInput, CreditInput, CreditorRecallInput
from domain.messages import HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput, ProbateInput
from domain.money import parse_amount
from domain.negotiation_messages import PlanProposal, PromiseInput
from ops import account_workflows, calls, contact_updates, creditor, negotiation, notes, reversals, write_downs
from ops.applied import WAIT_SECONDS
from ops.context import OpsContext
from ops.requests import Written
from service.tokens import Caller, Permission
from web import bodies

Write = Callable[[OpsContext, Caller, str, Any], Awaitable[Written]]


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


async def payment(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Payment, *, wait: bool = False
) -> Written:
    source = account_workflows.payment_source(ctx, agency=body.agency, estate=body.estate)
    paid = PaymentInput(parse_amount(body.amount), body.reference.strip(), body.received_on or _today(), source)
    result = await account_workflows.send_payment(ctx, account_id, paid, wait=WAIT_SECONDS if wait else None)
    return Written(result, {"reference": paid.reference, "amount_cents": paid.amount_cents, "source": source})


async def payment_reversal(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.PaymentReversal) -> Written:
    result = await reversals.send_reversal(
        ctx, account_id, payment_reference=body.payment_reference, reason=body.reason, reference=body.reference,
        return_code=body.return_code,
    )  # fmt: skip
    return Written(result, {"payment_reference": body.payment_reference, "reason": str(body.reason)})


async def charge(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Charge, *, wait: bool = False
) -> Written:
    posted = ChargeInput(
        parse_amount(body.amount), body.service_date, body.description.strip(), body.reference.strip(),
        entered_by=caller.name,
    )  # fmt: skip
    result = await creditor.send_charge(ctx, account_id, posted, wait=WAIT_SECONDS if wait else None)
    return Written(result, {"reference": posted.reference, "amount_cents": posted.amount_cents})


async def credit(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Credit, *, wait: bool = False
) -> Written:
    posted = CreditInput(parse_amount(body.amount), body.kind, body.reference.strip(), entered_by=caller.name)
    result = await creditor.send_credit(ctx, account_id, posted, caller, wait=WAIT_SECONDS if wait else None)
    return Written(result, {"reference": posted.reference, "amount_cents": posted.amount_cents, "kind": body.kind})


async def creditor_recall(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.CreditorRecall) -> Written:
    recall = CreditorRecallInput(body.reason.strip(), entered_by=caller.name)
    return Written(await creditor.send_creditor_recall(ctx, account_id, recall))


async def contact_outcome(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.ContactOutcome) -> Written:
    result = await account_workflows.send_contact_outcome(ctx, account_id, body.attempt, body.outcome)
    return Written(result, {"attempt": body.attempt, "outcome": body.outcome.value})


async def inbound(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Inbound) -> Written:
    result = await account_workflows.send_inbound(
        ctx, account_id, channel=body.channel, outcome=body.outcome, at=body.at,
        consent_to_calls=body.consent_to_calls, point=body.point,
    )  # fmt: skip
    return Written(result, {"channel": body.channel.value, "outcome": body.outcome.value})


async def staff_call(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.StaffCall) -> Written:
    result = await calls.place_call(ctx, account_id, phone=body.phone, outcome=body.outcome, actor=caller.name)
    return Written(result, {"outcome": body.outcome.value})


async def attorney_allows_contact(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.AttorneyAllowsContact
) -> Written:
    result = await account_workflows.send_attorney_allows_contact(
        ctx, account_id, reason=body.reason, actor=caller.name
    )
    return Written(result, {"reason": body.reason})


async def contact_add(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.ContactAdd) -> Written:
    result = await contact_updates.add_contact(
        ctx, account_id, kind=body.kind, value=body.value, source=body.source.value, sms_consent=body.sms_consent,
        autodialer_consent=body.autodialer_consent, consent_from=body.consent_from.value if body.consent_from else None,
        consent_at=body.consent_at, actor=caller.name,
    )  # fmt: skip
    return Written(result, {"kind": body.kind, "source": body.source.value})


async def contact_update(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.ContactUpdate, *, point: int
) -> Written:
    result = await contact_updates.update_contact(
        ctx, account_id, point, value=body.value, source=body.source.value if body.source else None,
        sms_consent=body.sms_consent, autodialer_consent=body.autodialer_consent,
        consent_from=body.consent_from.value if body.consent_from else None, consent_at=body.consent_at,
        actor=caller.name,
    )  # fmt: skip
    return Written(result, {"point_id": point, "value_corrected": body.value is not None})


async def contact_retire(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.ContactRetire, *, point: int
) -> Written:
    result = await contact_updates.retire_contact(ctx, account_id, point, reason=body.reason.value, actor=caller.name)
    return Written(result, {"point_id": point, "reason": body.reason.value})


async def point_correction(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.PointCorrection) -> Written:
    """The desk's form for `contact_update` with a corrected value."""
    return await contact_update(ctx, caller, account_id, bodies.ContactUpdate(value=body.value), point=body.point)


async def point_retirement(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.PointRetirement) -> Written:
    """The desk's form for `contact_retire`."""
    return await contact_retire(ctx, caller, account_id, bodies.ContactRetire(reason=body.reason), point=body.point)


async def returned_mail(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.ReturnedMail) -> Written:
    reason = BadReason.RETURNED_MAIL.value
    return Written(
        await contact_updates.mark_bad(ctx, account_id, body.address, kind="address", reason=reason, actor=caller.name)
    )


async def bounced(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Bounced) -> Written:
    reason = BadReason.BOUNCED.value
    return Written(
        await contact_updates.mark_bad(ctx, account_id, body.email, kind="email", reason=reason, actor=caller.name)
    )


async def language(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Language) -> Written:
    result = await contact_updates.set_language(ctx, account_id, body.language, actor=caller.name)
    return Written(result, {"language": body.language})


async def promise(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.PromiseToPay) -> Written:
    promised = PromiseInput(parse_amount(body.amount), body.date)
    result = await negotiation.send_promise(ctx, account_id, promised)
    return Written(result, {"amount_cents": promised.amount_cents, "due_date": promised.due_date})


async def propose(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Proposal) -> Written:
    """A plan or a settlement, answered at once: accepted, rejected with the reason, or waiting for approval."""
    if (body.installments is None) == (body.settle is None):
        raise ValueError("give a number of installments (a plan) or a settlement amount, not both: nothing changed")
    settle = parse_amount(body.settle) if body.settle is not None else None
    proposal = PlanProposal(body.installments, body.first_payment_on, settle, body.proposed_by)
    answer = await negotiation.propose(ctx, account_id, proposal)
    result = f"{answer.decision.value.replace('_', ' ')}: {answer.reason}"
    detail = {"decision": answer.decision.value, "installments": body.installments, "settle_cents": settle}
    return Written(result, detail, answer={**negotiation.as_dict(answer), "result": result, "by": caller.name})


async def approval(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Decision) -> Written:
    answer = await write_downs.decide_settlement(ctx, account_id, caller, approve=body.approve, reason=body.reason)
    detail = {"approve": body.approve, "decision": answer.decision.value, "reason": body.reason}
    return Written(f"account {account_id}: {answer.reason}", detail)


async def bankruptcy(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Bankruptcy) -> Written:
    hold = holds.bankruptcy_hold(body.case_number, chapter=body.chapter, filed_on=body.filed_on, court=body.court)
    result = await account_workflows.send_hold(ctx, account_id, hold)
    return Written(result, {"case_number": body.case_number, "chapter": body.chapter})


async def deceased(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Deceased) -> Written:
    hold = holds.deceased_hold(f"deceased-{account_id}", date_of_death=body.date_of_death)
    return Written(await account_workflows.send_hold(ctx, account_id, hold))


async def dispute(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Dispute) -> Written:
    cents = parse_amount(body.amount) if body.amount is not None else None
    result = await account_workflows.send_dispute(ctx, account_id, reason=body.reason, disputed_cents=cents)
    return Written(result, {"disputed_cents": cents})


async def dispute_resolution(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.DisputeResolution
) -> Written:
    account_workflows.refuse(validation.dispute_resolution_problem(body.outcome))
    release = HoldReleaseInput(outcome=HoldOutcome(body.outcome), kind=HoldKind.DISPUTE)
    result = await write_downs.release_hold(ctx, account_id, release, caller)
    return Written(result, {"outcome": body.outcome})


async def probate(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Probate) -> Written:
    """The estate's representative: the only person contacted from now on; the claim is filed."""
    estate = ProbateInput(body.representative, body.claims_deadline, email=body.email, phone=body.phone)
    return Written(await account_workflows.send_probate(ctx, account_id, estate))


async def opt_out(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.OptOut) -> Written:
    result = await account_workflows.send_opt_out(ctx, account_id, body.channel, body.address)
    return Written(result, {"channel": body.channel.value})


async def cease(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Cease) -> Written:
    return Written(await account_workflows.send_cease(ctx, account_id))


async def attorney(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Attorney) -> Written:
    result = await account_workflows.send_attorney(ctx, account_id, name=body.name, phone=body.phone, email=body.email)
    return Written(result)


async def note(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.Note) -> Written:
    remind_on = None
    if body.remind_on is not None:
        remind_on = validation.parse_day(body.remind_on)
        if remind_on is None:
            raise ValueError(f"remind on: {body.remind_on!r} is not a date (YYYY-MM-DD): nothing changed")
    now = datetime.now(UTC)
    added = await notes.add_note(ctx, account_id, text=body.text, author=caller.name, remind_on=remind_on, now=now)
    when = f", reminder on {added.remind_on.isoformat()}" if added.remind_on else ""
    return Written(f"note #{added.note_id} added to account {account_id}{when}", {"note_id": added.note_id})


async def reminder_done(ctx: OpsContext, caller: Caller, account_id: str, body: bodies.ReminderDone) -> Written:
    result = await notes.reminder_done(ctx, account_id, body.note, actor=caller.name, now=datetime.now(UTC))
    return Written(result, {"note_id": body.note})


async def duplicate_statement(
    ctx: OpsContext, caller: Caller, account_id: str, body: bodies.DuplicateStatement
) -> Written:
    """A duplicate bill, reprinted today: recorded (who asked, when); the desk then shows it to print or send."""
    await account_workflows.require_account(ctx, account_id)
    return Written(f"duplicate statement of account {account_id} reprinted on {_today()}")


@dataclass(frozen=True)
class Action:
    """A write as the desk offers it: the audit's name (`request.<name>`), its body, its write, who may."""

    name: str
    body: type[BaseModel]
    write: Write
    permission: Permission = Permission.EVENTS


DESK: dict[str, Action] = {
    action.name: action
    for action in (
        Action("staff_call", bodies.StaffCall, staff_call),
        Action("inbound", bodies.Inbound, inbound),
        Action("contact_outcome", bodies.ContactOutcome, contact_outcome),
        Action("payment", bodies.Payment, partial(payment, wait=True)),
        Action("promise", bodies.PromiseToPay, promise),
        Action("propose", bodies.Proposal, propose),
        Action("note", bodies.Note, note),
        Action("reminder_done", bodies.ReminderDone, reminder_done),
        Action("dispute", bodies.Dispute, dispute),
        Action("bankruptcy", bodies.Bankruptcy, bankruptcy),
        Action("deceased", bodies.Deceased, deceased),
        Action("probate", bodies.Probate, probate),
        Action("dispute_resolution", bodies.DisputeResolution, dispute_resolution),
        Action("attorney", bodies.Attorney, attorney),
        Action("cease", bodies.Cease, cease),
        Action("opt_out", bodies.OptOut, opt_out),
        Action("contact_add", bodies.ContactAdd, contact_add),
        Action("contact_update", bodies.PointCorrection, point_correction),
        Action("contact_retire", bodies.PointRetirement, point_retirement),
        Action("duplicate_statement", bodies.DuplicateStatement, duplicate_statement),
        Action("approval", bodies.Decision, approval, Permission.APPROVE),
    )
}
"""What the account workspace offers, by the name its form posts to (`/accounts/{id}/desk/{name}`)."""
