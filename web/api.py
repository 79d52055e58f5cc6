"""The JSON API: event intake mapped to the same ops calls as the CLI, and read endpoints.

Every write needs the `events` (or `approve`) permission and goes through ops.requests.perform_write:
at most once per Idempotency-Key (scoped to the caller, the route and the account), recorded in the
account's audit log with the caller's name and role. A refusal is one line (`{"error": ...}`) and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from domain import holds, validation
from domain.contact import Channel, Outcome
from domain.contact_updates import BadReason, ConsentFrom, RetireReason, Source
from domain.creditor_messages import ChargeInput, CreditInput, CreditKind, CreditorRecallInput
from domain.messages import HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput
from domain.money import parse_amount
from domain.negotiation_messages import PromiseInput
from domain.reversal_messages import ReversalReason
from ops import account_workflows, contact_updates, creditor, disclosed, negotiation, reversals, views, write_downs
from ops.applied import WAIT_SECONDS
from ops.context import OpsContext
from ops.payment_uploads import posted_upload
from ops.queue import work_queue
from ops.requests import Written, perform_write
from ops.suspense import apply_item, refund_item, refunds
from ops.suspense import items as suspense_items
from web.auth import require
from web.tokens import Caller, Permission

router = APIRouter(prefix="/api")
Reader = Annotated[Caller, Depends(require(Permission.READ))]
Operator = Annotated[Caller, Depends(require(Permission.EVENTS))]
Approver = Annotated[Caller, Depends(require(Permission.APPROVE))]
IdempotencyKey = Annotated[str | None, Header(description="1 to 128 printable ASCII characters")]


def context(request: Request) -> OpsContext:
    ctx: OpsContext = request.app.state.ctx
    return ctx


ISO_DAY = "ISO date, YYYY-MM-DD (checked by domain.validation, as at the CLI)"


class Payment(BaseModel):
    amount: str = Field(description="Dollars and cents, e.g. 12.34")
    reference: str = Field(description="1 to 128 printable characters, unique")
    received_on: str | None = Field(default=None, description=f"{ISO_DAY}; default today")
    agency: str | None = None
    estate: bool = False


class Charge(BaseModel):
    amount: str = Field(description="Dollars and cents, e.g. 125.00")
    service_date: str = Field(description=ISO_DAY)
    description: str = Field(description="The service line, e.g. 'office visit' (1 to 200 printable characters)")
    reference: str = Field(description="The creditor's reference, 1 to 128 printable characters; once per account")


class Credit(BaseModel):
    amount: str = Field(description="Dollars and cents, e.g. 40.00")
    kind: CreditKind = Field(description="insurance, contractual_allowance or adjustment")
    reference: str = Field(description="The creditor's or payer's reference, 1 to 128 printable characters")


class CreditorRecall(BaseModel):
    reason: str = Field(description="Why the creditor takes the account back (1 to 200 printable characters)")


class ContactOutcome(BaseModel):
    attempt: int = Field(ge=1)
    outcome: Outcome


class Inbound(BaseModel):
    channel: Channel = Field(description="How the consumer reached us: call, sms, email or letter")
    outcome: Outcome = Field(description="right_party_contact, promise_to_pay, refused (voicemail for a call)")
    at: datetime | None = Field(default=None, description="ISO 8601 with its UTC offset; default now")
    consent_to_calls: bool = Field(default=False, description="Prior consent to calls for 7 days (1006.14(b)(3)(i))")
    point: str | None = Field(default=None, max_length=200, description="The account's phone or email it came from")


class AttorneyAllowsContact(BaseModel):
    reason: Literal["consent", "no_response"] = Field(description="1006.6(b)(2)")


class ContactAdd(BaseModel):
    kind: Literal["phone", "email", "address"]
    value: str = Field(max_length=200, description='A phone number, an email, or "street, city, ST 12345"')
    source: Source = Field(description="Who gave it")
    sms_consent: bool = Field(default=False, description="Prior express consent to texts (a phone's)")
    autodialer_consent: bool = Field(default=False, description="Prior express consent to autodialed calls (a phone's)")
    consent_from: ConsentFrom | None = Field(default=None, description="Who gave the consent (default the debtor)")
    consent_at: datetime | None = Field(default=None, description="When, ISO 8601 with its UTC offset; default now")


class ContactUpdate(BaseModel):
    value: str | None = Field(default=None, max_length=200, description="The corrected value: a new point replaces it")
    source: Source | None = None
    sms_consent: bool | None = Field(default=None, description="true gives consent to texts, false withdraws it")
    autodialer_consent: bool | None = Field(default=None, description="true gives, false withdraws")
    consent_from: ConsentFrom | None = None
    consent_at: datetime | None = None


class ContactRetire(BaseModel):
    reason: RetireReason = RetireReason.OTHER


class ReturnedMail(BaseModel):
    address: str = Field(max_length=200, description="The address's number ('4') or the address as printed")


class Bounced(BaseModel):
    email: str = Field(max_length=200, description="The email's number ('5') or the email")


class Language(BaseModel):
    language: str = Field(max_length=8, description="en or es")


class PromiseToPay(BaseModel):
    amount: str
    date: str = Field(description=ISO_DAY)


class Bankruptcy(BaseModel):
    chapter: str
    case_number: str = Field(description="1 to 128 printable characters")
    filed_on: str = Field(description=ISO_DAY)
    court: str = ""


class Deceased(BaseModel):
    date_of_death: str = Field(description=ISO_DAY)


class Dispute(BaseModel):
    reason: str = Field(min_length=1, max_length=200)
    amount: str | None = None


class DisputeResolution(BaseModel):
    outcome: str = Field(description="verified or upheld")


class Decision(BaseModel):
    approve: bool


class WriteDownDecision(BaseModel):
    approve: bool
    reason: str | None = Field(default=None, max_length=200, description="Why, when declining")


class Start(BaseModel):
    account_ids: list[str] = Field(min_length=1, max_length=1_000)  # a body is at most 64 KiB (web/guard.py)


async def _perform(
    request: Request, caller: Caller, action: str, account_id: str, body: BaseModel, key: str | None,
    write: Callable[[], Awaitable[Written]],
) -> JSONResponse:  # fmt: skip
    """The write through ops.requests.perform_write: at most once per key, audited, logged."""
    answer = await perform_write(
        context(request), actor=caller.name, role=caller.role, action=action, account_id=account_id,
        body=body.model_dump(mode="json"), key=key, write=write,
    )  # fmt: skip
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.post("/accounts/{account_id}/payments")
async def payment(
    request: Request, account_id: str, body: Payment, caller: Operator, idempotency_key: IdempotencyKey = None,
    wait: Annotated[bool, Query(description="Answer once the workflow applied it: new balance and stage")] = False,
) -> JSONResponse:  # fmt: skip
    async def write() -> Written:
        ctx = context(request)
        source = account_workflows.payment_source(ctx, agency=body.agency, estate=body.estate)
        received = body.received_on or datetime.now(UTC).date().isoformat()
        payment = PaymentInput(parse_amount(body.amount), body.reference.strip(), received, source)
        result = await account_workflows.send_payment(ctx, account_id, payment, wait=WAIT_SECONDS if wait else None)
        return Written(result, {"reference": payment.reference, "amount_cents": payment.amount_cents, "source": source})

    return await _perform(request, caller, "payment", account_id, body, idempotency_key, write)


class PaymentReversal(BaseModel):
    payment_reference: str = Field(description="The reversed payment's reference")
    reason: ReversalReason
    reference: str = Field(default="", description="The reversal's own reference; default reversal:<payment's>")
    return_code: str = Field(default="", description="ACH return reason code, R01 to R85")


@router.post("/accounts/{account_id}/payment-reversals")
async def payment_reversal(
    request: Request, account_id: str, body: PaymentReversal, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A payment bounced, was unauthorized or charged back (as `event payment-reversal`)."""

    async def write() -> Written:
        result = await reversals.send_reversal(
            context(request), account_id, payment_reference=body.payment_reference, reason=body.reason,
            reference=body.reference, return_code=body.return_code,
        )  # fmt: skip
        return Written(result, {"payment_reference": body.payment_reference, "reason": str(body.reason)})

    return await _perform(request, caller, "payment_reversal", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/charges")
async def charge(
    request: Request, account_id: str, body: Charge, caller: Operator, idempotency_key: IdempotencyKey = None,
    wait: Annotated[bool, Query(description="Answer once the workflow applied it: new balance and stage")] = False,
) -> JSONResponse:  # fmt: skip
    async def write() -> Written:
        posted = ChargeInput(
            parse_amount(body.amount), body.service_date, body.description.strip(), body.reference.strip(),
            entered_by=caller.name,
        )  # fmt: skip
        result = await creditor.send_charge(context(request), account_id, posted, wait=WAIT_SECONDS if wait else None)
        return Written(result, {"reference": posted.reference, "amount_cents": posted.amount_cents})

    return await _perform(request, caller, "charge", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/credits")
async def credit(
    request: Request, account_id: str, body: Credit, caller: Operator, idempotency_key: IdempotencyKey = None,
    wait: Annotated[bool, Query(description="Answer once the workflow applied it: new balance and stage")] = False,
) -> JSONResponse:  # fmt: skip
    async def write() -> Written:
        posted = CreditInput(parse_amount(body.amount), body.kind, body.reference.strip(), entered_by=caller.name)
        result = await creditor.send_credit(
            context(request), account_id, posted, caller, wait=WAIT_SECONDS if wait else None
        )
        return Written(result, {"reference": posted.reference, "amount_cents": posted.amount_cents, "kind": body.kind})

    return await _perform(request, caller, "credit", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/creditor-recall")
async def creditor_recall(
    request: Request, account_id: str, body: CreditorRecall, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        recall = CreditorRecallInput(body.reason.strip(), entered_by=caller.name)
        return Written(await creditor.send_creditor_recall(context(request), account_id, recall))

    return await _perform(request, caller, "creditor_recall", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contact-outcomes")
async def contact_outcome(
    request: Request, account_id: str, body: ContactOutcome, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        result = await account_workflows.send_contact_outcome(context(request), account_id, body.attempt, body.outcome)
        return Written(result, {"attempt": body.attempt, "outcome": body.outcome.value})

    return await _perform(request, caller, "contact_outcome", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/inbound")
async def inbound_contact(
    request: Request, account_id: str, body: Inbound, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A contact the consumer started (1006.14(b)(2)(i)(B): a conversation starts the quiet period)."""

    async def write() -> Written:
        result = await account_workflows.send_inbound(
            context(request), account_id, channel=body.channel, outcome=body.outcome, at=body.at,
            consent_to_calls=body.consent_to_calls, point=body.point,
        )  # fmt: skip
        return Written(result, {"channel": body.channel.value, "outcome": body.outcome.value})

    return await _perform(request, caller, "inbound", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/attorney-allows-contact")
async def attorney_allows_contact(
    request: Request, account_id: str, body: AttorneyAllowsContact, caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    """The consumer's attorney consented to direct contact or did not respond in a reasonable time (1006.6(b)(2))."""

    async def write() -> Written:
        result = await account_workflows.send_attorney_allows_contact(
            context(request), account_id, reason=body.reason, actor=caller.name
        )
        return Written(result, {"reason": body.reason})

    return await _perform(request, caller, "attorney_allows_contact", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contacts")
async def contact_add(
    request: Request, account_id: str, body: ContactAdd, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Add a phone, email or address (`collections contact add`); the gate uses it at once."""

    async def write() -> Written:
        result = await contact_updates.add_contact(
            context(request), account_id, kind=body.kind, value=body.value, source=body.source.value,
            sms_consent=body.sms_consent, autodialer_consent=body.autodialer_consent,
            consent_from=body.consent_from.value if body.consent_from else None, consent_at=body.consent_at,
            actor=caller.name,
        )  # fmt: skip
        return Written(result, {"kind": body.kind, "source": body.source.value})

    return await _perform(request, caller, "contact_add", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contacts/{point}")
async def contact_update(
    request: Request, account_id: str, point: int, body: ContactUpdate, caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    """Correct a point's value (a new point replaces it), who gave it, or its consents (`contact update`)."""

    async def write() -> Written:
        result = await contact_updates.update_contact(
            context(request), account_id, point, value=body.value, source=body.source.value if body.source else None,
            sms_consent=body.sms_consent, autodialer_consent=body.autodialer_consent,
            consent_from=body.consent_from.value if body.consent_from else None, consent_at=body.consent_at,
            actor=caller.name,
        )  # fmt: skip
        return Written(result, {"point_id": point, "value_corrected": body.value is not None})

    return await _perform(request, caller, "contact_update", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contacts/{point}/retire")
async def contact_retire(
    request: Request, account_id: str, point: int, body: ContactRetire, caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    """Retire a point: kept, never used again (`contact retire`); a point retired already is refused."""

    async def write() -> Written:
        ctx, reason = context(request), body.reason.value
        result = await contact_updates.retire_contact(ctx, account_id, point, reason=reason, actor=caller.name)
        return Written(result, {"point_id": point, "reason": body.reason.value})

    return await _perform(request, caller, "contact_retire", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/returned-mail")
async def returned_mail(
    request: Request, account_id: str, body: ReturnedMail, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A letter came back: the address is marked undeliverable (`contact returned-mail`)."""

    async def write() -> Written:
        result = await contact_updates.mark_bad(
            context(request), account_id, body.address, kind="address", reason=BadReason.RETURNED_MAIL.value,
            actor=caller.name,
        )  # fmt: skip
        return Written(result)

    return await _perform(request, caller, "contact_returned_mail", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/bounced")
async def bounced(
    request: Request, account_id: str, body: Bounced, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """An email bounced: the email is marked bad (`contact bounced`)."""

    async def write() -> Written:
        result = await contact_updates.mark_bad(
            context(request), account_id, body.email, kind="email", reason=BadReason.BOUNCED.value, actor=caller.name
        )
        return Written(result)

    return await _perform(request, caller, "contact_bounced", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/language")
async def language(
    request: Request, account_id: str, body: Language, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """The debtor's language for letters and messages (`contact language`)."""

    async def write() -> Written:
        result = await contact_updates.set_language(context(request), account_id, body.language, actor=caller.name)
        return Written(result, {"language": body.language})

    return await _perform(request, caller, "contact_language", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/promises")
async def promise(
    request: Request, account_id: str, body: PromiseToPay, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        promised = PromiseInput(parse_amount(body.amount), body.date)
        result = await negotiation.send_promise(context(request), account_id, promised)
        return Written(result, {"amount_cents": promised.amount_cents, "due_date": promised.due_date})

    return await _perform(request, caller, "promise", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/bankruptcy")
async def bankruptcy(
    request: Request, account_id: str, body: Bankruptcy, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        hold = holds.bankruptcy_hold(body.case_number, chapter=body.chapter, filed_on=body.filed_on, court=body.court)
        result = await account_workflows.send_hold(context(request), account_id, hold)
        return Written(result, {"case_number": body.case_number, "chapter": body.chapter})

    return await _perform(request, caller, "bankruptcy", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/deceased")
async def deceased(
    request: Request, account_id: str, body: Deceased, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        hold = holds.deceased_hold(f"deceased-{account_id}", date_of_death=body.date_of_death)
        return Written(await account_workflows.send_hold(context(request), account_id, hold))

    return await _perform(request, caller, "deceased", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/disputes")
async def dispute(
    request: Request, account_id: str, body: Dispute, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        cents = parse_amount(body.amount) if body.amount is not None else None
        result = await account_workflows.send_dispute(
            context(request), account_id, reason=body.reason, disputed_cents=cents
        )
        return Written(result, {"disputed_cents": cents})

    return await _perform(request, caller, "dispute", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/dispute-resolution")
async def dispute_resolution(
    request: Request, account_id: str, body: DisputeResolution, caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def write() -> Written:
        account_workflows.refuse(validation.dispute_resolution_problem(body.outcome))
        release = HoldReleaseInput(outcome=HoldOutcome(body.outcome), kind=HoldKind.DISPUTE)
        result = await write_downs.release_hold(context(request), account_id, release, caller)
        return Written(result, {"outcome": body.outcome})

    return await _perform(request, caller, "dispute_resolution", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/approval")
async def approval(
    request: Request, account_id: str, body: Decision, caller: Approver, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        answer = await write_downs.decide_settlement(context(request), account_id, caller, approve=body.approve)
        return Written(answer.reason, {"approve": body.approve, "decision": answer.decision.value})

    return await _perform(request, caller, "approval", account_id, body, idempotency_key, write)


@router.get("/write-downs")
async def write_down_list(
    request: Request, caller: Reader, status: Literal["pending", "approved", "declined", "all"] = "pending"
) -> list[dict[str, Any]]:
    """Write-downs (dispute upheld, write-off, discharge, close) waiting for a supervisor, or all of them."""
    found = await write_downs.list_write_downs(context(request), status=None if status == "all" else status)
    return [write_downs.as_dict(item) for item in found]


@router.post("/write-downs/{number}/approval")
async def write_down_approval(
    request: Request, number: int, body: WriteDownDecision, caller: Approver, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A supervisor other than the one who asked approves (applied once) or declines (with a reason)."""
    found = await write_downs.get_write_down(context(request), number)

    async def write() -> Written:
        result = await write_downs.decide(context(request), number, caller, approve=body.approve, reason=body.reason)
        return Written(result, {"write_down": number, "approve": body.approve})

    return await _perform(request, caller, "write_down_approval", found.account_id, body, idempotency_key, write)


@router.post("/accounts/start")
async def start(
    request: Request, body: Start, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        summary = await account_workflows.start_accounts(context(request), body.account_ids)
        answer = {"started": summary.started, "already_started": summary.already_started, "by": caller.name}
        result = f"started {len(summary.started)}, already started {len(summary.already_started)}"
        return Written(result, answer=answer, audited=tuple(summary.started))

    return await _perform(request, caller, "start", "", body, idempotency_key, write)


@router.get("/accounts/{account_id}")
async def account(request: Request, account_id: str, caller: Reader) -> dict[str, Any]:
    return await disclosed.status_for(
        context(request), account_id, actor=caller.name, role=caller.role, view="api_account"
    )


@router.get("/accounts")
async def accounts(
    request: Request, caller: Reader, stage: str | None = None, hold: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    return await views.list_accounts(context(request), stage=stage, hold=hold, limit=min(max(limit, 1), 1000))


@router.get("/queue")
async def queue(
    request: Request, caller: Reader, stage: str | None = None, hold: str | None = None, reason: str | None = None
) -> list[dict[str, Any]]:
    items = await work_queue(
        context(request), stage=stage, hold=hold, reasons=[reason] if reason else None,
        today=datetime.now(UTC).date(),
    )  # fmt: skip
    shown = await disclosed.queue_for(context(request), items, actor=caller.name, role=caller.role, view="api_queue")
    return [item.as_dict() for item in shown]


@router.post("/payment-files")
async def payment_file(
    request: Request, caller: Operator,
    name: Annotated[str, Query(min_length=1, max_length=200, description="The file's name, kept with the posting")],
) -> dict[str, Any]:  # fmt: skip
    """Post a payment file (CSV or BAI2, the request body as is): the posting report, as `payments post`."""
    report = await posted_upload(context(request), request.stream(), name, actor=caller.name)
    return report.as_dict()


class SuspenseApply(BaseModel):
    account: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=300)


class SuspenseRefund(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


@router.get("/suspense")
async def suspense(request: Request, caller: Reader, status: Literal["open", "all"] = "open") -> list[dict[str, Any]]:
    return [asdict(i) for i in await suspense_items(context(request), everything=status == "all")]


@router.post("/suspense/{item_id}/apply")
async def suspense_apply(
    request: Request, item_id: int, body: SuspenseApply, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        result = await apply_item(context(request), item_id, body.account, actor=caller.name, note=body.reason)
        return Written(result, {"suspense_item": item_id})

    return await _perform(request, caller, "suspense.apply", body.account, body, idempotency_key, write)


@router.post("/suspense/{item_id}/refund")
async def suspense_refund(request: Request, item_id: int, body: SuspenseRefund, caller: Approver) -> dict[str, str]:
    return {"result": await refund_item(context(request), item_id, actor=caller.name, reason=body.reason)}


@router.get("/refunds")
async def refunds_list(request: Request, caller: Reader) -> dict[str, Any]:
    found = await refunds(context(request))
    return {"credits": [asdict(c) for c in found.credits], "items": [asdict(i) for i in found.items]}


@router.get("/whoami")
async def whoami(caller: Reader) -> dict[str, str]:
    return {"name": caller.name, "role": caller.role}
