"""The JSON API: event intake mapped to the same ops calls as the CLI, and read endpoints.

Every write needs the `events` (or `approve`) permission and goes through ops.requests.perform_write:
at most once per Idempotency-Key (scoped to the caller, the route and the account), recorded in the
account's audit log with the caller's name and role. A refusal is one line (`{"error": ...}`) and
changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ops import account_workflows, calls, disclosed, negotiation, views, write_downs
from ops.context import OpsContext
from ops.payment_uploads import posted_upload
from ops.requests import Written, perform_write
from ops.suspense import apply_item, refund_item, refunds
from ops.suspense import items as suspense_items
from web import actions, bodies
from web.auth import require
from web.tokens import Caller, Permission

router = APIRouter(prefix="/api")
Reader = Annotated[Caller, Depends(require(Permission.READ))]
Operator = Annotated[Caller, Depends(require(Permission.EVENTS))]
Approver = Annotated[Caller, Depends(require(Permission.APPROVE))]
IdempotencyKey = Annotated[str | None, Header(description="1 to 128 printable ASCII characters")]
WaitOption = Annotated[bool, Query(description="Answer once the workflow applied it: new balance and stage")]


def context(request: Request) -> OpsContext:
    ctx: OpsContext = request.app.state.ctx
    return ctx


async def _perform(
    request: Request,
    caller: Caller,
    action: str,
    account_id: str,
    body: BaseModel,
    key: str | None,
    write: Callable[[], Awaitable[Written]],
) -> JSONResponse:
    """The write through ops.requests.perform_write: at most once per key, audited, logged."""
    answer = await perform_write(
        context(request), actor=caller.name, role=caller.role, action=action, account_id=account_id,
        body=body.model_dump(mode="json"), key=key, write=write,
    )  # fmt: skip
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.post("/accounts/{account_id}/payments")
async def payment(
    request: Request,
    account_id: str,
    body: bodies.Payment,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
    wait: WaitOption = False,
) -> JSONResponse:
    write = partial(actions.payment, context(request), caller, account_id, body, wait=wait)
    return await _perform(request, caller, "payment", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/payment-reversals")
async def payment_reversal(
    request: Request,
    account_id: str,
    body: bodies.PaymentReversal,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A payment bounced, was unauthorized or charged back (as `event payment-reversal`)."""
    write = partial(actions.payment_reversal, context(request), caller, account_id, body)
    return await _perform(request, caller, "payment_reversal", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/charges")
async def charge(
    request: Request,
    account_id: str,
    body: bodies.Charge,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
    wait: WaitOption = False,
) -> JSONResponse:
    write = partial(actions.charge, context(request), caller, account_id, body, wait=wait)
    return await _perform(request, caller, "charge", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/credits")
async def credit(
    request: Request,
    account_id: str,
    body: bodies.Credit,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
    wait: WaitOption = False,
) -> JSONResponse:
    write = partial(actions.credit, context(request), caller, account_id, body, wait=wait)
    return await _perform(request, caller, "credit", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/creditor-recall")
async def creditor_recall(
    request: Request,
    account_id: str,
    body: bodies.CreditorRecall,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    write = partial(actions.creditor_recall, context(request), caller, account_id, body)
    return await _perform(request, caller, "creditor_recall", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contact-outcomes")
async def contact_outcome(
    request: Request,
    account_id: str,
    body: bodies.ContactOutcome,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The outcome of an attempt the engine placed (a dialer's call, a message)."""
    write = partial(actions.contact_outcome, context(request), caller, account_id, body)
    return await _perform(request, caller, "contact_outcome", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/staff-calls")
async def staff_call(
    request: Request,
    account_id: str,
    body: bodies.StaffCall,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A call a collector placed by hand: refused unless the gate allows a call to that number now."""
    write = partial(actions.staff_call, context(request), caller, account_id, body)
    return await _perform(request, caller, "staff_call", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/inbound")
async def inbound(
    request: Request,
    account_id: str,
    body: bodies.Inbound,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A contact the consumer started (1006.14(b)(2)(i)(B): a conversation starts the quiet period)."""
    write = partial(actions.inbound, context(request), caller, account_id, body)
    return await _perform(request, caller, "inbound", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/attorney-allows-contact")
async def attorney_allows_contact(
    request: Request,
    account_id: str,
    body: bodies.AttorneyAllowsContact,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The consumer's attorney consented to direct contact or did not respond in a reasonable time (1006.6(b)(2))."""
    write = partial(actions.attorney_allows_contact, context(request), caller, account_id, body)
    return await _perform(request, caller, "attorney_allows_contact", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contacts")
async def contact_add(
    request: Request,
    account_id: str,
    body: bodies.ContactAdd,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add a phone, email or address (`collections contact add`); the gate uses it at once."""
    write = partial(actions.contact_add, context(request), caller, account_id, body)
    return await _perform(request, caller, "contact_add", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contacts/{point}")
async def contact_update(
    request: Request,
    account_id: str,
    point: int,
    body: bodies.ContactUpdate,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Correct a point's value (a new point replaces it), who gave it, or its consents (`contact update`)."""
    write = partial(actions.contact_update, context(request), caller, account_id, body, point=point)
    return await _perform(request, caller, "contact_update", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/contacts/{point}/retire")
async def contact_retire(
    request: Request,
    account_id: str,
    point: int,
    body: bodies.ContactRetire,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Retire a point: kept, never used again (`contact retire`); a point retired already is refused."""
    write = partial(actions.contact_retire, context(request), caller, account_id, body, point=point)
    return await _perform(request, caller, "contact_retire", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/returned-mail")
async def returned_mail(
    request: Request,
    account_id: str,
    body: bodies.ReturnedMail,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A letter came back: the address is marked undeliverable (`contact returned-mail`)."""
    write = partial(actions.returned_mail, context(request), caller, account_id, body)
    return await _perform(request, caller, "contact_returned_mail", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/bounced")
async def bounced(
    request: Request,
    account_id: str,
    body: bodies.Bounced,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """An email bounced: the email is marked bad (`contact bounced`)."""
    write = partial(actions.bounced, context(request), caller, account_id, body)
    return await _perform(request, caller, "contact_bounced", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/language")
async def language(
    request: Request,
    account_id: str,
    body: bodies.Language,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The debtor's language for letters and messages (`contact language`)."""
    write = partial(actions.language, context(request), caller, account_id, body)
    return await _perform(request, caller, "contact_language", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/opt-out")
async def opt_out(
    request: Request,
    account_id: str,
    body: bodies.OptOut,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The debtor opted out of a channel at one number or address (`event opt-out`)."""
    write = partial(actions.opt_out, context(request), caller, account_id, body)
    return await _perform(request, caller, "opt_out", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/cease")
async def cease(
    request: Request,
    account_id: str,
    body: bodies.Cease,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A written request to cease communication: all outbound contact stops (1006.6(c))."""
    write = partial(actions.cease, context(request), caller, account_id, body)
    return await _perform(request, caller, "cease", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/attorney")
async def attorney(
    request: Request,
    account_id: str,
    body: bodies.Attorney,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The debtor is represented: from now on only the attorney is contacted (1006.6(b)(2))."""
    write = partial(actions.attorney, context(request), caller, account_id, body)
    return await _perform(request, caller, "attorney", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/promises")
async def promise(
    request: Request,
    account_id: str,
    body: bodies.PromiseToPay,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    write = partial(actions.promise, context(request), caller, account_id, body)
    return await _perform(request, caller, "promise", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/proposals")
async def propose(
    request: Request,
    account_id: str,
    body: bodies.Proposal,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A plan or a settlement, answered at once: accepted, rejected with the reason, or pending approval."""
    write = partial(actions.propose, context(request), caller, account_id, body)
    return await _perform(request, caller, "propose", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/notes")
async def note(
    request: Request,
    account_id: str,
    body: bodies.Note,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A note, with an optional reminder that shows in the work queue on its day."""
    write = partial(actions.note, context(request), caller, account_id, body)
    return await _perform(request, caller, "note", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/reminder-done")
async def reminder_done(
    request: Request,
    account_id: str,
    body: bodies.ReminderDone,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A note's reminder done: it leaves the work queue."""
    write = partial(actions.reminder_done, context(request), caller, account_id, body)
    return await _perform(request, caller, "reminder_done", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/bankruptcy")
async def bankruptcy(
    request: Request,
    account_id: str,
    body: bodies.Bankruptcy,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    write = partial(actions.bankruptcy, context(request), caller, account_id, body)
    return await _perform(request, caller, "bankruptcy", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/deceased")
async def deceased(
    request: Request,
    account_id: str,
    body: bodies.Deceased,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    write = partial(actions.deceased, context(request), caller, account_id, body)
    return await _perform(request, caller, "deceased", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/probate")
async def probate(
    request: Request,
    account_id: str,
    body: bodies.Probate,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The estate's representative: the only person contacted from now on; the claim is filed (`event probate`)."""
    write = partial(actions.probate, context(request), caller, account_id, body)
    return await _perform(request, caller, "probate", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/disputes")
async def dispute(
    request: Request,
    account_id: str,
    body: bodies.Dispute,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    write = partial(actions.dispute, context(request), caller, account_id, body)
    return await _perform(request, caller, "dispute", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/dispute-resolution")
async def dispute_resolution(
    request: Request,
    account_id: str,
    body: bodies.DisputeResolution,
    caller: Operator,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    write = partial(actions.dispute_resolution, context(request), caller, account_id, body)
    return await _perform(request, caller, "dispute_resolution", account_id, body, idempotency_key, write)


@router.post("/accounts/{account_id}/approval")
async def approval(
    request: Request,
    account_id: str,
    body: bodies.Decision,
    caller: Approver,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Approve or decline the proposal waiting for approval (never by the one who proposed it)."""
    write = partial(actions.approval, context(request), caller, account_id, body)
    return await _perform(request, caller, "approval", account_id, body, idempotency_key, write)


@router.get("/accounts/{account_id}/offers")
async def offers(request: Request, account_id: str, caller: Reader) -> list[dict[str, Any]]:
    """The offers the account qualifies for under its workflow's policy (`offers ID`)."""
    return await negotiation.offers(context(request), account_id)


@router.get("/accounts/{account_id}/next-call")
async def next_call(request: Request, account_id: str, caller: Reader) -> dict[str, Any]:
    """The gate's answer for a call placed by hand now: allowed, from when, and why (in words)."""
    answer = await calls.next_call(context(request), account_id)
    return {"text": answer.text, "gate": None if answer.gate is None else asdict(answer.gate)}


@router.get("/write-downs")
async def write_down_list(
    request: Request, caller: Reader, status: Literal["pending", "approved", "declined", "all"] = "pending"
) -> list[dict[str, Any]]:
    """Write-downs (dispute upheld, write-off, discharge, close) waiting for a supervisor, or all of them."""
    found = await write_downs.list_write_downs(context(request), status=None if status == "all" else status)
    return [write_downs.as_dict(item) for item in found]


@router.post("/write-downs/{number}/approval")
async def write_down_approval(
    request: Request,
    number: int,
    body: bodies.WriteDownDecision,
    caller: Approver,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A supervisor other than the one who asked approves (applied once) or declines (with a reason)."""
    found = await write_downs.get_write_down(context(request), number)

    async def write() -> Written:
        result = await write_downs.decide(context(request), number, caller, approve=body.approve, reason=body.reason)
        return Written(result, {"write_down": number, "approve": body.approve})

    return await _perform(request, caller, "write_down_approval", found.account_id, body, idempotency_key, write)


@router.post("/accounts/start")
async def start(
    request: Request, body: bodies.Start, caller: Operator, idempotency_key: IdempotencyKey = None
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


@router.post("/payment-files")
async def payment_file(
    request: Request, caller: Operator,
    name: Annotated[str, Query(min_length=1, max_length=200, description="The file's name, kept with the posting")],
) -> dict[str, Any]:  # fmt: skip
    """Post a payment file (CSV or BAI2, the request body as is): the posting report, as `payments post`."""
    report = await posted_upload(context(request), request.stream(), name, actor=caller.name)
    return report.as_dict()


@router.get("/suspense")
async def suspense(request: Request, caller: Reader, status: Literal["open", "all"] = "open") -> list[dict[str, Any]]:
    return [asdict(i) for i in await suspense_items(context(request), everything=status == "all")]


@router.post("/suspense/{item_id}/apply")
async def suspense_apply(
    request: Request, item_id: int, body: bodies.SuspenseApply, caller: Operator, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def write() -> Written:
        result = await apply_item(context(request), item_id, body.account, actor=caller.name, note=body.reason)
        return Written(result, {"suspense_item": item_id})

    return await _perform(request, caller, "suspense.apply", body.account, body, idempotency_key, write)


@router.post("/suspense/{item_id}/refund")
async def suspense_refund(
    request: Request, item_id: int, body: bodies.SuspenseRefund, caller: Approver
) -> dict[str, str]:
    return {"result": await refund_item(context(request), item_id, actor=caller.name, reason=body.reason)}


@router.get("/refunds")
async def refunds_list(request: Request, caller: Reader) -> dict[str, Any]:
    found = await refunds(context(request))
    return {"credits": [asdict(c) for c in found.credits], "items": [asdict(i) for i in found.items]}


@router.get("/whoami")
async def whoami(caller: Reader) -> dict[str, str]:
    return {"name": caller.name, "role": caller.role}
