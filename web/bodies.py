"""The bodies of the write requests: the API's JSON and the desk's forms are parsed into the same models.

A form's fields arrive as text: pydantic turns "true"/"on" into booleans and numbers into ints, and a
field left empty takes its default (web/forms.py). Money stays text here: domain.money.parse_amount reads
it as people type it ("1,250.00", "$1250") wherever it is used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from domain.contact import Channel, Outcome
from domain.contact_updates import ConsentFrom, RetireReason, Source
from domain.creditor_messages import CreditKind
from domain.reversal_messages import ReversalReason

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
    reason: str | None = Field(default=None, max_length=200, description="Why, when declining (required then)")


class WriteDownDecision(BaseModel):
    approve: bool
    reason: str | None = Field(default=None, max_length=200, description="Why, when declining")


class Start(BaseModel):
    account_ids: list[str] = Field(min_length=1, max_length=1_000)  # a body is at most 64 KiB (web/guard.py)


class PaymentReversal(BaseModel):
    payment_reference: str = Field(description="The reversed payment's reference")
    reason: ReversalReason
    reference: str = Field(default="", description="The reversal's own reference; default reversal:<payment's>")
    return_code: str = Field(default="", description="ACH return reason code, R01 to R85")


class SuspenseApply(BaseModel):
    account: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=300)


class SuspenseRefund(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


class Proposal(BaseModel):
    installments: int | None = Field(default=None, ge=1, description="Number of installments (a plan)")
    first_payment_on: str | None = Field(default=None, description=f"{ISO_DAY}: the plan's first installment")
    settle: str | None = Field(default=None, description="A lump-sum settlement amount, e.g. 600.00")
    proposed_by: Literal["debtor", "representative"] = "debtor"


class Note(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    remind_on: str | None = Field(default=None, description=f"{ISO_DAY}, today or later: shows in the work queue")


class ReminderDone(BaseModel):
    note: int = Field(ge=1, description="The note's number")


class OptOut(BaseModel):
    channel: Channel = Field(description="call, sms or email")
    address: str = Field(max_length=200, description="The phone number or email concerned")


class Cease(BaseModel):
    """A written request to cease communication (1006.6(c)): no fields."""


class Attorney(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200)


class StaffCall(BaseModel):
    phone: str = Field(max_length=200, description="The phone's number ('3') or the number dialled")
    outcome: Outcome


class DuplicateStatement(BaseModel):
    """A duplicate statement, marked as reprinted today: no fields."""


class PointCorrection(BaseModel):
    """The desk's correction of one contact point (the API names the point in its path)."""

    point: int = Field(ge=1, description="The point's number")
    value: str = Field(min_length=1, max_length=200, description="The corrected value: a new point replaces it")


class PointRetirement(BaseModel):
    point: int = Field(ge=1, description="The point's number")
    reason: RetireReason = RetireReason.OTHER


class Probate(BaseModel):
    representative: str = Field(min_length=1, max_length=200, description="The personal representative's name")
    claims_deadline: str = Field(description=f"{ISO_DAY}: the estate's claims deadline")
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=200)
