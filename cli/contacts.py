"""`event inbound`, `event attorney-allows-contact`, `call` and `next-call`: contacts the consumer starts,
calls a collector places by hand (the gate asked first), and facts staff record.

Both go through `cli.identity.act` (the caller an administrator configured, one audit entry) to the one
ops function the web API calls too (ops.account_workflows.send_inbound, send_attorney_allows_contact).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from cli.common import console, fail, run, with_context
from cli.identity import act
from domain.contact import Channel, Outcome
from ops import account_workflows, calls
from ops.context import OpsContext
from web.tokens import Caller


def parse_moment(value: str, what: str) -> datetime:
    """An ISO 8601 time with its UTC offset, or a one-line refusal."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{what} must be an ISO 8601 time with its offset, e.g. 2026-12-07T09:30:00-05:00, got {value!r}")
    if moment.utcoffset() is None:
        fail(f"{what} needs its UTC offset, e.g. 2026-12-07T09:30:00-05:00, got {value!r}")
    return moment


def inbound(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    channel: Annotated[Channel, typer.Option(help="How the consumer reached us.")],
    outcome: Annotated[Outcome, typer.Option(help="What came of it: right_party_contact, promise_to_pay, refused...")],
    at: Annotated[str | None, typer.Option(help="When, ISO 8601 with its offset (default now).")] = None,
    consents_to_calls: Annotated[
        bool, typer.Option("--consents-to-calls", help="The consumer gave prior consent to calls (7 days).")
    ] = False,
    point: Annotated[str | None, typer.Option(help="Which of the account's phones or emails it came from.")] = None,
) -> None:
    """A contact the consumer started: a call that became a conversation starts the 7-day quiet period
    (1006.14(b)(2)(i)(B)); --consents-to-calls records prior consent to calls (1006.14(b)(3)(i))."""
    moment = parse_moment(at, "--at") if at is not None else None

    async def send(ctx: OpsContext, _who: Caller) -> str:
        return await account_workflows.send_inbound(
            ctx, account_id, channel=channel, outcome=outcome, at=moment, consent_to_calls=consents_to_calls,
            point=point,
        )  # fmt: skip

    detail = {"channel": channel.value, "outcome": outcome.value, "consent_to_calls": consents_to_calls}
    console.print(act(account_id, "inbound", send, detail), highlight=False, soft_wrap=True)


def attorney_allows_contact(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="consent, or no_response (none in reasonable time).")],
) -> None:
    """The consumer's attorney allows direct contact with the consumer (1006.6(b)(2))."""

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await account_workflows.send_attorney_allows_contact(ctx, account_id, reason=reason, actor=who.name)

    console.print(act(account_id, "attorney_allows_contact", send, {"reason": reason}), highlight=False)


def next_call(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The gate's answer for a call placed by hand now: allowed, or from when and why, in the debtor's time."""
    answer = run(with_context(lambda ctx: calls.next_call(ctx, account_id)))
    console.print(answer.text, highlight=False, soft_wrap=True)


def call(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    phone: Annotated[str, typer.Option(help="The phone's number from `show` ('3') or the number dialled.")],
    outcome: Annotated[Outcome, typer.Option(help="What came of the call.")],
) -> None:
    """Record a call you placed by hand: refused, nothing recorded, unless the gate allows a call to that
    number now (`next-call` says); a conversation starts the 7-day quiet period and moves the account on."""

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await calls.place_call(ctx, account_id, phone=phone, outcome=outcome, actor=who.name)

    console.print(act(account_id, "staff_call", send, {"outcome": outcome.value}), highlight=False, soft_wrap=True)
