"""The operations and supervisor CLI: `python starter.py --help`."""

from __future__ import annotations

import dataclasses
import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli import supervision
from cli.authority import operator_app, write_downs_app
from cli.common import (
    JsonOption,
    console,
    errors,
    fail,
    parse_date,
    print_json,
    run,
    settings,
    warn_if_clear_text,
    with_context,
)  # fmt: skip
from cli.contact_audit import audit_contacts
from cli.contacts import attorney_allows_contact, inbound
from cli.exports import exports_app, outbox_export, placements_export
from cli.identity import act, caller, perform
from cli.output import (
    amount_column,
    attempt_result,
    free_column,
    id_column,
    in_dollars,
    money,
    new_table,
    print_table,
    stage_text,
    status_rows,
    words,
)  # fmt: skip
from cli.reports import report_app, statement
from cli.web import token_app, web
from domain import holds
from domain.contact import Channel, Outcome
from domain.intake import validate_account_id
from domain.messages import HoldInput, HoldKind, HoldOutcome, HoldReleaseInput, PaymentInput, ProbateInput
from domain.money import InvalidAmount, parse_amount
from domain.negotiation_messages import PlanProposal, PromiseInput, ProposalAnswer
from domain.strategy import StrategyError
from ops import account_workflows, disclosed, views, write_downs
from ops.accounts import load_accounts_file
from ops.context import OpsContext
from ops.requests import Written
from ops.strategies import load_strategy
from service.files import restrict_new_files
from service.logging import configure_logging
from store.db import migrate
from store.failures import one_line
from web.tokens import Caller, Permission

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Collections engine: operations and supervisor CLI.")
event_app = typer.Typer(no_args_is_help=True, help="Feed an event to an account's workflow.")
db_app = typer.Typer(no_args_is_help=True, help="The account store's schema.")
outbox_app = typer.Typer(no_args_is_help=True, help="Letters, texts and calls waiting for their channel.")
strategy_app = typer.Typer(no_args_is_help=True, help="Collection strategies.")
placements_app = typer.Typer(no_args_is_help=True, help="Accounts placed with collection agencies.")
app.add_typer(event_app, name="event")
app.add_typer(db_app, name="db")
app.add_typer(outbox_app, name="outbox")
app.add_typer(strategy_app, name="strategy")
app.add_typer(placements_app, name="placements")
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
app.add_typer(operator_app, name="operator")
app.add_typer(write_downs_app, name="write-downs")
app.add_typer(exports_app, name="exports")
outbox_app.command("export")(outbox_export)
event_app.command("inbound")(inbound)
event_app.command("attorney-allows-contact")(attorney_allows_contact)
placements_app.command("export")(placements_export)
app.command()(statement)
app.command("audit-contacts")(audit_contacts)
for supervision_command in (supervision.queue, supervision.show, supervision.note, supervision.audit):
    app.command()(supervision_command)
app.command()(web)


# ---- running the engine ----


@app.command("dev-server")
def dev_server(
    port: Annotated[int, typer.Option(help="gRPC port; the Web UI is on port + 1000.")] = 7233,
    data_dir: Annotated[Path, typer.Option(help="Where the server keeps its state.")] = Path(".data"),
    headless: Annotated[bool, typer.Option(help="No Web UI.")] = False,
) -> None:
    """Run the embedded Temporal dev server in the foreground, state persisted, search attributes registered."""
    from service.dev_server import dev_server_command, private_db_file

    command = dev_server_command(port=port, db_file=private_db_file(data_dir), headless=headless)
    if not headless:
        errors.print(f"Temporal Web UI: http://127.0.0.1:{port + 1000}")
    os.execv(command[0], command)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the store's migrations (DATABASE_URL)."""
    url = settings().database_url
    run(migrate(url))
    console.print(f"schema is current on {url.split('@')[-1]}")


# ---- operations ----


@app.command()
def load(file: Annotated[Path, typer.Argument(help="Accounts CSV.")], as_json: JsonOption = False) -> None:
    """Upsert accounts from a CSV file: every row valid, or nothing applied."""
    result = run(load_accounts_file(file, settings().database_url))
    if as_json:
        print_json({"inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged})
    else:
        console.print(f"loaded {file}: {result.inserted} new, {result.updated} updated, {result.unchanged} unchanged")


@app.command()
def start(
    account: Annotated[list[str] | None, typer.Option("--account", help="Account id (repeatable).")] = None,
    all_past_due: Annotated[
        bool, typer.Option("--all-past-due", help="Every past-due account not yet closed.")
    ] = False,
    as_of: Annotated[str | None, typer.Option(help="Past due as of this date (default today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Start account workflows; one that already exists is left alone."""
    if bool(account) == all_past_due:
        fail("give --account ID (one or more) or --all-past-due")
    for account_id in account or []:
        try:
            validate_account_id(account_id)
        except ValueError as err:
            fail(str(err))
    cutoff = parse_date(as_of, "--as-of") if as_of else datetime.now(UTC).date()
    who = caller()

    async def action(ctx: OpsContext) -> dict[str, list[str]]:
        ids = account or await account_workflows.past_due_accounts(ctx, cutoff)

        async def write() -> Written:
            with Progress(
                TextColumn("starting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=errors, disable=as_json or len(ids) < 2,
            ) as progress:  # fmt: skip
                task = progress.add_task("start", total=len(ids))
                done = await account_workflows.start_accounts(ctx, ids, on_progress=lambda: progress.advance(task))
            answer = {"started": done.started, "already_started": done.already_started}
            return Written(f"{len(done.started)} started", {"via": "cli"}, answer=answer, audited=tuple(done.started))

        return await perform(ctx, who, "", "start", write)

    summary = run(with_context(action))
    if as_json:
        print_json(summary)
    else:
        console.print(f"{len(summary['started'])} started, {len(summary['already_started'])} already running or ended")


@event_app.command("payment")
def event_payment(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    amount: Annotated[str, typer.Option(help="Dollars and cents, e.g. 12.34.")],
    reference: Annotated[str, typer.Option(help="The payment's unique reference.")],
    received_on: Annotated[str | None, typer.Option(help="ISO date (default today).")] = None,
    agency: Annotated[str | None, typer.Option(help="Reported by this agency (earns its commission).")] = None,
    estate: Annotated[bool, typer.Option("--estate", help="Paid by a deceased debtor's estate (settles).")] = False,
) -> None:
    """A payment was received (signal-with-start; the same reference twice counts once)."""
    received = parse_date(received_on, "--received-on") if received_on else datetime.now(UTC).date()
    try:
        cents = parse_amount(amount)
    except InvalidAmount as err:
        fail(str(err))

    async def pay(ctx: OpsContext, _who: Caller) -> str:
        source = account_workflows.payment_source(ctx, agency=agency, estate=estate)
        payment = PaymentInput(cents, reference.strip(), received.isoformat(), source)
        return await account_workflows.send_payment(ctx, account_id, payment)

    console.print(act(account_id, "payment", pay, {"reference": reference.strip(), "amount_cents": cents}))


@event_app.command("hold")
def event_hold(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    kind: Annotated[HoldKind, typer.Option(help="Why collection must stop.")],
    reference: Annotated[str, typer.Option(help="Unique reference of this hold (case number, ticket).")],
    reason: Annotated[str, typer.Option(help="Free text, no personal data.")] = "",
) -> None:
    """Put the account on hold: every stage stops at once until the hold is released."""
    _hold(account_id, HoldInput(reference, kind, reason))


def _hold(account_id: str, hold: HoldInput) -> None:
    detail = {"kind": hold.kind.value, "reference": hold.reference}
    console.print(act(account_id, "hold", lambda ctx, _: account_workflows.send_hold(ctx, account_id, hold), detail))


def _release(account_id: str, release: HoldReleaseInput) -> None:
    """A write-down beyond the caller's authority waits for a supervisor (ops.write_downs)."""
    detail = {"outcome": release.outcome.value, "kind": release.kind, "reference": release.reference}
    send = partial(write_downs.release_hold, account_id=account_id, release=release)
    answer = act(account_id, "release_hold", lambda ctx, who: send(ctx, requester=who), detail)
    console.print(answer, highlight=False, soft_wrap=True)


@event_app.command("release-hold")
def event_release_hold(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reference: Annotated[str, typer.Option(help="The hold's reference.")],
    outcome: Annotated[HoldOutcome, typer.Option(help="Resume collection or end the account.")] = HoldOutcome.RESUME,
) -> None:
    """Release a hold: collection resumes where it stopped, or the account ends."""
    _release(account_id, HoldReleaseInput(reference, outcome))


@event_app.command("bankruptcy")
def event_bankruptcy(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    chapter: Annotated[str, typer.Option(help="7, 11 or 13.")],
    case_number: Annotated[str, typer.Option(help="The court's case number (the hold's reference).")],
    filed_on: Annotated[str, typer.Option(help="Petition date, ISO.")],
    court: Annotated[str, typer.Option(help="The bankruptcy court.")] = "",
) -> None:
    """Automatic stay: no contact of any kind, recall from any agency, a proof of claim filed before the bar date."""
    _hold(account_id, holds.bankruptcy_hold(case_number, chapter=chapter, filed_on=filed_on, court=court))


@event_app.command("bankruptcy-discharged")
def event_bankruptcy_discharged(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The debt is discharged: the balance is written off and the account ends `discharged`."""
    _release(account_id, HoldReleaseInput(outcome=HoldOutcome.DISCHARGE, kind=HoldKind.BANKRUPTCY))


@event_app.command("bankruptcy-dismissed")
def event_bankruptcy_dismissed(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The case is dismissed: collection resumes where it stopped, the time on hold not counted."""
    _release(account_id, HoldReleaseInput(outcome=HoldOutcome.RESUME, kind=HoldKind.BANKRUPTCY))


@event_app.command("deceased")
def event_deceased(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    date_of_death: Annotated[str, typer.Option(help="ISO date.")],
) -> None:
    """The debtor died: all contact with the debtor stops; recall from any agency."""
    _hold(account_id, holds.deceased_hold(f"deceased-{account_id}", date_of_death=date_of_death))


@event_app.command("probate")
def event_probate(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    representative: Annotated[str, typer.Option(help="The personal representative's name.")],
    claims_deadline: Annotated[str, typer.Option(help="The estate's claims deadline, ISO.")],
    email: Annotated[str | None, typer.Option(help="The representative's email.")] = None,
    phone: Annotated[str | None, typer.Option(help="The representative's phone.")] = None,
) -> None:
    """The estate's representative: the only person contacted from now on; the claim is filed."""
    deadline = parse_date(claims_deadline, "--claims-deadline").isoformat()
    probate = ProbateInput(representative, deadline, email=email, phone=phone)
    console.print(act(account_id, "probate", lambda ctx, _: account_workflows.send_probate(ctx, account_id, probate)))


@event_app.command("estate-closed")
def event_estate_closed(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """The estate closed without paying: the balance is written off."""
    _release(account_id, HoldReleaseInput(outcome=HoldOutcome.WRITE_OFF, kind=HoldKind.DECEASED))


@event_app.command("dispute")
def event_dispute(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="What the debtor disputes (no personal data).")],
    amount: Annotated[str | None, typer.Option(help="The disputed amount (default: all of it).")] = None,
) -> None:
    """Collection of the disputed amount stops until the verification letter is sent."""
    try:
        cents = parse_amount(amount) if amount is not None else None
    except InvalidAmount as err:
        fail(str(err))
    dispute = account_workflows.send_dispute
    console.print(run(with_context(lambda ctx: dispute(ctx, account_id, reason=reason, disputed_cents=cents))))


@event_app.command("dispute-resolved")
def event_dispute_resolved(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    outcome: Annotated[str, typer.Option(help="verified (the letter goes out, collection resumes) or upheld.")],
) -> None:
    """Answer the open dispute: verified resumes after the verification letter; upheld takes the amount off."""
    outcomes = {"verified": HoldOutcome.VERIFIED, "upheld": HoldOutcome.UPHELD}
    if outcome not in outcomes:
        fail(f"--outcome must be verified or upheld, got {outcome!r}")
    _release(account_id, HoldReleaseInput(outcome=outcomes[outcome], kind=HoldKind.DISPUTE))


@event_app.command("contact-outcome")
def event_contact_outcome(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    attempt: Annotated[int, typer.Option(min=1, help="The attempt number (see `attempts ID`).")],
    outcome: Annotated[Outcome, typer.Option(help="What came of the attempt.")],
) -> None:
    """Report a contact attempt's outcome (dialer or staff): right-party contact moves to negotiating."""
    send = partial(account_workflows.send_contact_outcome, attempt_no=attempt, outcome=outcome)
    detail = {"attempt": attempt, "outcome": outcome.value}
    console.print(act(account_id, "contact_outcome", lambda ctx, _: send(ctx, account_id), detail))


@event_app.command("opt-out")
def event_opt_out(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    channel: Annotated[Channel, typer.Option(help="The channel opted out of.")],
    address: Annotated[str, typer.Option(help="The email address or phone number concerned.")],
) -> None:
    """The debtor opted out of a channel at one address or number; effective at once."""
    send = partial(account_workflows.send_opt_out, channel=channel, address=address)
    console.print(act(account_id, "opt_out", lambda ctx, _: send(ctx, account_id), {"channel": channel.value}))


@event_app.command("cease")
def event_cease(account_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """A written request to cease communication: all outbound contact stops at once (1006.6(c))."""
    console.print(act(account_id, "cease", lambda ctx, _: account_workflows.send_cease(ctx, account_id)))


@event_app.command("attorney")
def event_attorney(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[str, typer.Option(help="The attorney's name.")],
    phone: Annotated[str | None, typer.Option(help="The attorney's phone.")] = None,
    email: Annotated[str | None, typer.Option(help="The attorney's email.")] = None,
) -> None:
    """The debtor is represented: from now on only the attorney is contacted (1006.6(b)(2))."""
    if not (phone or email):
        fail("give the attorney's --phone or --email (or both)")
    send = partial(account_workflows.send_attorney, name=name, phone=phone, email=email)
    console.print(act(account_id, "attorney", lambda ctx, _: send(ctx, account_id)))


@event_app.command("promise")
def event_promise(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    amount: Annotated[str, typer.Option(help="Dollars and cents promised.")],
    date_: Annotated[str, typer.Option("--date", help="ISO date by which it will be paid.")],
) -> None:
    """A promise to pay: kept or broken at the date plus the grace period."""
    from ops.negotiation import send_promise

    try:
        cents = parse_amount(amount)
    except InvalidAmount as err:
        fail(str(err))
    promise = PromiseInput(cents, parse_date(date_, "--date").isoformat())
    detail = {"amount_cents": cents, "due_date": promise.due_date}
    sent = act(account_id, "promise", lambda ctx, _: send_promise(ctx, account_id, promise), detail)
    console.print(in_dollars(sent), highlight=False)


# ---- negotiation ----


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


@app.command()
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


@app.command()
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


def _decide(account_id: str, approve: bool, as_json: bool) -> None:
    """As the configured supervisor, under their role's limit; never the one who proposed it."""
    send = partial(write_downs.decide_settlement, account_id=account_id, approve=approve)
    answer = _negotiate(account_id, "approval", lambda ctx, who: send(ctx, approver=who), Permission.APPROVE)
    print_answer(answer, as_json)


@app.command()
def approve(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """Approve the proposal awaiting approval, as your configured identity (its role's limit applies)."""
    _decide(account_id, True, as_json)


@app.command()
def decline(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """Decline the proposal awaiting approval, as your configured identity: the account stays in negotiation."""
    _decide(account_id, False, as_json)


# ---- supervisors ----


@app.command()
def status(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """One account: stage, balance, days past due, hold, next action, counts (as your role may see it; audited)."""
    who = caller(Permission.READ)
    result = run(
        with_context(
            lambda ctx: disclosed.status_for(ctx, account_id, actor=who.name, role=who.role, view="cli_status")
        )
    )
    if as_json:
        print_json(result)
        return
    table = new_table("", free_column(""), title=f"account {account_id}", show_header=False)
    for label, value in status_rows(result):
        table.add_row(label, value)
    print_table(console, table)


@app.command("list")
def list_accounts(
    stage: Annotated[str | None, typer.Option(help="Only accounts in this stage.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """Accounts by stage, from the workflows' search attributes."""
    found = run(with_context(lambda ctx: views.list_accounts(ctx, stage=stage, limit=limit + 1)))
    rows, more = found[:limit], len(found) > limit
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"no accounts in stage {words(stage)}" if stage else "no accounts", highlight=False)
        return
    table = new_table(
        id_column("account", (row["account_id"] for row in rows)), "stage", amount_column("balance"), "due date",
        "segment", "workflow",
    )  # fmt: skip
    for row in rows:
        table.add_row(
            row["account_id"], stage_text(row["stage"], row["hold"]), money(row["balance_cents"]),
            row["due_date"] or "", row["segment"] or "", words(row["workflow_status"]),
        )  # fmt: skip
    print_table(console, table)
    if more:
        errors.print(f"(the first {limit} accounts; more with --limit)", highlight=False)


@app.command()
def attempts(
    account_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One account (or --all).")] = None,
    all_accounts: Annotated[bool, typer.Option("--all", help="Every account's attempts.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Contact attempts, sent and blocked, with the gate's rule when blocked."""
    if (account_id is None) == (not all_accounts):
        fail("give an account ID or --all")
    rows = run(with_context(lambda ctx: views.contact_attempts(ctx, None if all_accounts else account_id)))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no contact attempts" + ("" if all_accounts else f" for account {account_id}"), highlight=False)
        return
    accounts = [id_column("account", (row["account_id"] for row in rows))] if all_accounts else []
    table = new_table(
        *accounts, amount_column("#"), "channel", free_column("template"), "debtor's local time",
        free_column("result"), title=None if all_accounts else f"contact attempts of account {account_id}",
    )  # fmt: skip
    for row in rows:
        cells = [
            str(row["attempt"]), ("inbound " if row.get("direction") == "inbound" else "") + words(row["channel"]),
            words(row["template"]),
            views.local_time(row["local_at"], row.get("zone")), attempt_result(row),
        ]  # fmt: skip
        table.add_row(*([row["account_id"]] if all_accounts else []), *cells)
    print_table(console, table)


@placements_app.command("recall")
def placements_recall(
    account_id: Annotated[str, typer.Argument(metavar="ID")],
    reason: Annotated[str, typer.Option(help="Why the account comes back.")] = "recalled by operations",
) -> None:
    """Take an account back from its agency; the internal desk works it from then on."""
    from ops import placements

    console.print(act(account_id, "recall", lambda ctx, _: placements.recall(ctx, account_id, reason)))


@placements_app.command("list")
def placements_list(account_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOption = False) -> None:
    """An account's placements: agency, balance placed, commission, collected, recall."""
    from ops import placements

    rows = run(with_context(lambda ctx: placements.placements(ctx, account_id)))
    if as_json:
        return print_json(rows)
    if not rows:
        console.print(f"account {account_id} has not been placed with an agency", highlight=False)
        return
    table = new_table(
        amount_column("#"), "agency", "placed on", amount_column("balance"), amount_column("rate"),
        amount_column("collected"), amount_column("commission"), "status", free_column("recall reason"),
        title=f"placements of account {account_id}",
    )  # fmt: skip
    for row in rows:
        table.add_row(
            str(row["placement_no"]), row["agency_id"], f"{row['placed_at']:%Y-%m-%d}",
            money(row["balance_placed_cents"]), f"{row['commission_bps'] / 100:g}%",
            money(row["collected_cents"]), money(row.get("commission_cents")), words(row["status"]),
            row["recall_reason"] or "",
        )  # fmt: skip
    print_table(console, table)


@strategy_app.command("check")
def strategy_check(spec: Annotated[str, typer.Argument(help="A strategy name or a .toml path.")] = "default") -> None:
    """Validate a strategy file and summarize it."""
    from domain.rule_packs import PACKS
    from ops.strategies import load_strategy

    try:
        strategy = load_strategy(spec)
    except StrategyError as err:
        fail(str(err))
    console.print(f"strategy {strategy.name} version {strategy.version}: valid")
    for name, segment in strategy.segments.items():
        steps = ", ".join(f"{s.channel}{' x' + str(s.repeat) if s.repeat > 1 else ''}" for s in segment.cadence)
        console.print(f"  segment {name} (profile {segment.profile}): {steps}", soft_wrap=True)
    for state, overlay in strategy.state_overlays.items():
        console.print(f"  overlay {state}: {overlay}")
    for pack in PACKS.values():  # domain/rule_packs.py: applied by the debtor's jurisdiction, whatever the strategy
        console.print(f"  rule pack {pack.id}: {pack.title}, text of {pack.version}", soft_wrap=True)


@app.command()
def watch(
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between refreshes.")] = 2.0,
) -> None:
    """A live view of accounts by stage (Ctrl-C to stop)."""
    from ops.live import watch_stages

    run(with_context(lambda ctx: watch_stages(ctx, console, interval=interval)))


@app.command()
def simulate(
    accounts: Annotated[int, typer.Option(min=1, max=100_000, help="Size of the synthetic portfolio.")] = 200,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Simulated days.")] = 90,
    seed: Annotated[int, typer.Option(help="Seed of the portfolio and of the debtors' behaviour.")] = 7,
    strategy: Annotated[str, typer.Option(help="Strategy to run (name or .toml path).")] = "default",
    vs: Annotated[str | None, typer.Option(help="A second strategy on the same seeded portfolio.")] = None,
    right_party: Annotated[float, typer.Option(min=0, max=1, help="A placed call reaches the debtor.")] = 0.35,
    promise: Annotated[float, typer.Option(min=0, max=1, help="A debtor reached promises to pay.")] = 0.5,
    promise_kept: Annotated[float, typer.Option(min=0, max=1, help="A promise is kept.")] = 0.6,
    self_cure: Annotated[float, typer.Option(min=0, max=1, help="Pays without a conversation.")] = 0.08,
    dispute: Annotated[float, typer.Option(min=0, max=1, help="Disputes the debt.")] = 0.04,
    bankruptcy: Annotated[float, typer.Option(min=0, max=1, help="Files for bankruptcy.")] = 0.02,
    death: Annotated[float, typer.Option(min=0, max=1, help="Dies.")] = 0.005,
    wrong_number: Annotated[float, typer.Option(min=0, max=1, help="A call reaches a wrong number.")] = 0.05,
    attempts_file: Annotated[
        Path | None, typer.Option("--attempts", help="Also write every attempt to this new CSV (for audit-contacts).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a synthetic portfolio through the real workflows on the time-skipping server; report outcomes."""
    from domain.debtor_model import BehaviourRates
    from ops.csv_files import refuse_existing
    from ops.errors import OpsError
    from ops.simulation import simulate as run_simulation
    from ops.simulation_view import report_table
    from service.logging import configure_logging

    rates = BehaviourRates(
        right_party=right_party, wrong_number=wrong_number, promise=promise, promise_kept=promise_kept,
        self_cure=self_cure, dispute=dispute, bankruptcy=bankruptcy, death=death,
    )  # fmt: skip
    if self_cure + dispute + bankruptcy + death > 1 or right_party + wrong_number > 1:
        fail("the rates of one draw add up to more than 1")
    strategies = [strategy] if vs is None else [strategy, vs]
    for name in strategies:
        try:
            load_strategy(name)
        except StrategyError as err:
            fail(str(err))
    if attempts_file is not None:
        try:
            refuse_existing(attempts_file)  # before the run, not after it
        except OpsError as err:
            fail(str(err))
    configure_logging(log_format="console", level="warning")
    config, reports, attempts = settings(), [], None if attempts_file is None else list[list[object]]()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json) as bar:  # fmt: skip
        for name in strategies:
            task = bar.add_task(f"simulating {name}: days", total=days)
            reports.append(run(run_simulation(
                config, accounts=accounts, days=days, seed=seed, strategy=name, rates=rates,
                on_day=partial(bar.advance, task), attempts=attempts,
            )))  # fmt: skip
    if attempts_file is not None and attempts is not None:
        from ops.simulation_view import write_attempts

        try:
            write_attempts(attempts_file, attempts)
        except OpsError as err:
            fail(str(err))
    if as_json:
        return print_json([dataclasses.asdict(r) for r in reports])
    console.print(report_table(reports))
    if attempts_file is not None and attempts is not None:
        console.print(f"{len(attempts)} attempts written to {attempts_file}; check them with: "
                      f"collections audit-contacts {attempts_file}", highlight=False, soft_wrap=True)  # fmt: skip


@app.command()
def demo(
    accounts: Annotated[int, typer.Option(min=1, max=5000, help="Size of the demo portfolio.")] = 60,
    minutes: Annotated[float, typer.Option(min=0.1, help="How long the debtors, dialer and desk play.")] = 2.5,
    seed: Annotated[int, typer.Option(help="Seed of the portfolio and the debtor events.")] = 7,
    stay: Annotated[bool, typer.Option(help="Keep the live view after the last event, until Ctrl-C.")] = True,
    headless: Annotated[
        bool, typer.Option(help="No live view: a line per event and change, stop after --minutes, report.")
    ] = False,
) -> None:
    """The main job on the embedded default: dev server, worker, web, a demo portfolio, a live view by stage."""
    import asyncio

    from ops.demo import export_run_letters, run_demo

    warn_if_clear_text()
    try:
        run(run_demo(settings(), console, accounts=accounts, minutes=minutes, seed=seed, stay=stay, headless=headless))
    except (KeyboardInterrupt, asyncio.CancelledError):
        console.print("stopped; the dev server and the store keep their state in .data/")
        run(export_run_letters(settings().database_url, console))


def main() -> None:
    """Run the CLI and leave without interpreter teardown, which the SDK's core runtime can abort
    after the work is done ("PyGILState_Release", exit 134; sdk-python#300), as worker.py does."""
    restrict_new_files()  # the store, exports, reports, the dev server it execs: their owner's only
    configure_logging(log_format="console", level="warning")  # stdout is for the person; warnings on stderr
    code = 0
    try:
        app(prog_name="collections" if Path(sys.argv[0]).name == "collections" else "starter.py")
    except SystemExit as done:
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
            code = 1
        else:
            code = done.code or 0
    except KeyboardInterrupt:
        code = 130
    except Exception as err:  # a bug: one line for the person, the traceback on request
        if os.environ.get("COLLECTIONS_DEBUG"):
            traceback.print_exc()
        else:
            print(
                f"error: unexpected {one_line(err)} (COLLECTIONS_DEBUG=1 shows the traceback)",
                file=sys.stderr,
            )
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
