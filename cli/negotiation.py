"""Negotiation: `offers`, `propose`, `approve`, `decline`.

Plain functions; starter.py registers each with `app.command()(fn)`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

import typer

from cli.common import JsonOption, console, fail, parse_date, print_json, run, with_context
from cli.identity import caller, perform
from cli.output import amount_column, money, new_table, print_table, words
from domain.money import InvalidAmount, parse_amount
from domain.negotiation_messages import PlanProposal, ProposalAnswer
from ops import views, write_downs
from ops.context import OpsContext
from ops.requests import Written
from web.tokens import Caller, Permission


def print_answer(answer: ProposalAnswer, as_json: bool) -> None:
    from ops.negotiation import as_dict

    if as_json:
        print_json(as_dict(answer))
        return
    console.print(f"{words(answer.decision)}: {answer.reason}", highlight=False, soft_wrap=True)
    if answer.offer is not None:
        offer = answer.offer
        title = f"{words(offer.kind)}, total {money(offer.total_cents)}, discount {money(offer.discount_cents)}"
        table = new_table(amount_column("#"), "due", amount_column("amount"), title=title)
        for installment in offer.installments:
            table.add_row(str(installment.number), installment.due_date, money(installment.amount_cents))
        print_table(console, table)


def offers(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """The offers the account qualifies for under its segment's policy."""
    account, found = run(with_context(lambda ctx: views.account_offers(ctx, account_id)))
    if as_json:
        print_json(found)
        return
    if account.stage is not None and account.stage.is_terminal:
        console.print(f"account {account_id} is {words(account.stage)}: closed, no offer applies", highlight=False)
        return
    table = new_table(
        "kind", amount_column("installments"), amount_column("each"), "first due", amount_column("total"),
        amount_column("discount"), title=f"offers for account {account_id}, balance {money(account.balance_cents)}",
    )  # fmt: skip
    for offer in found:
        first = offer["installments"][0] if offer["installments"] else {}
        table.add_row(
            words(offer["kind"]), str(len(offer["installments"])), money(first.get("amount_cents")),
            str(first.get("due_date", "")), money(offer["total_cents"]), money(offer["discount_cents"]),
        )  # fmt: skip
    print_table(console, table)
    if account.stage == "on_hold":
        console.print("the account is on hold: no plan can be agreed until the hold is released", highlight=False)


def propose(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    installments: Annotated[int | None, typer.Option(min=1, help="Number of installments.")] = None,
    first_payment_on: Annotated[str | None, typer.Option(help="ISO date of the first installment.")] = None,
    settle: Annotated[str | None, typer.Option(help="Lump-sum settlement amount, dollars and cents.")] = None,
    by: Annotated[str, typer.Option(help="Who proposes: debtor or representative.")] = "debtor",
    as_json: JsonOption = False,
) -> None:
    """A counter-offer, answered at once: accepted, rejected with the reason, or pending approval."""
    from ops.negotiation import propose as send_proposal

    if (installments is None) == (settle is None):
        fail("give --installments N (with --first-payment-on) or --settle AMOUNT")
    try:
        settle_cents = parse_amount(settle) if settle is not None else None
    except InvalidAmount as err:
        fail(str(err))
    first = parse_date(first_payment_on, "--first-payment-on").isoformat() if first_payment_on else None
    proposal = PlanProposal(installments, first, settle_cents, by)
    answer = _negotiate(account_id, "propose", lambda ctx, _: send_proposal(ctx, account_id, proposal))
    print_answer(answer, as_json)


def _negotiate(
    account_id: str, action: str, send: Callable[[OpsContext, Caller], Awaitable[ProposalAnswer]],
    permission: Permission = Permission.EVENTS,
) -> ProposalAnswer:  # fmt: skip
    """As the configured caller: the workflow's answer, the request audited with it."""
    who = caller(permission)

    async def go(ctx: OpsContext) -> ProposalAnswer:
        answers: list[ProposalAnswer] = []

        async def write() -> Written:
            answers.append(answer := await send(ctx, who))
            return Written(f"{answer.decision}: {answer.reason}", {"via": "cli", "decision": answer.decision.value})

        await perform(ctx, who, account_id, action, write)
        return answers[0]

    answer: ProposalAnswer = run(with_context(go))
    return answer


def _decide(account_id: str, approve: bool, as_json: bool, reason: str | None = None) -> None:
    """As the configured supervisor, under their role's limit; never the one who proposed it."""
    send = partial(write_downs.decide_settlement, account_id=account_id, approve=approve, reason=reason)
    answer = _negotiate(account_id, "approval", lambda ctx, who: send(ctx, approver=who), Permission.APPROVE)
    if not approve and not as_json:  # declined: the plan it would have been is not shown as if in force
        answer = dataclasses.replace(answer, offer=None)
    print_answer(answer, as_json)


def approve(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """Approve the proposal awaiting approval, as your configured identity (its role's limit applies)."""
    _decide(account_id, True, as_json)


def decline(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why (it goes with the decision).")],
    as_json: JsonOption = False,
) -> None:
    """Decline the proposal awaiting approval, as your configured identity: the account stays in negotiation."""
    _decide(account_id, False, as_json, reason)
