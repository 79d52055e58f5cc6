"""`collections contact ...`: add, correct or retire a phone, email or address; a returned letter or a bounced
email; the debtor's language. Each goes through `cli.identity.act` (the operator an administrator configured,
one `request.contact_*` audit entry) to the ops function the web API calls too (ops/contact_updates.py).

Why `contact returned-mail` and not `contact update --status undeliverable`: the clerk holding a returned
envelope thinks "returned mail", not "a status"; the command says what happened, and the address it names
(its number from `status`, or the address as printed) is marked undeliverable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

from cli.common import console
from cli.contacts import parse_moment
from cli.identity import act
from domain.contact_updates import BadReason, ConsentFrom, RetireReason, Source
from ops import contact_updates
from ops.context import OpsContext
from web.tokens import Caller

contact_app = typer.Typer(
    no_args_is_help=True, help="Add, correct or retire an account's phones, emails and addresses; its language."
)
Account = Annotated[str, typer.Argument(metavar="ACCOUNT", help="The account's id.")]
PointNumber = Annotated[int, typer.Argument(metavar="POINT", help="The contact point's number (#) from `status`.")]
ConsentBy = Annotated[ConsentFrom | None, typer.Option(help="Who gave the consent: debtor (default) or creditor.")]
ConsentAt = Annotated[
    str | None, typer.Option(help="When the consent was given, ISO 8601 with its offset (default now).")
]


def _say(
    account_id: str, action: str, send: Callable[[OpsContext, Caller], Awaitable[str]], detail: dict[str, Any]
) -> None:
    console.print(act(account_id, action, send, detail), highlight=False, soft_wrap=True)


@contact_app.command()
def add(
    account_id: Account,
    kind: Annotated[str, typer.Argument(metavar="KIND", help="phone, email or address.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help='The number, email, or "street, city, ST 12345".')],
    source: Annotated[Source, typer.Option(help="Who gave it.")],
    sms_consent: Annotated[bool, typer.Option("--sms-consent", help="Prior express consent to texts.")] = False,
    autodialer_consent: Annotated[
        bool, typer.Option("--autodialer-consent", help="Prior express consent to autodialed calls to this mobile.")
    ] = False,
    consent_from: ConsentBy = None,
    consent_at: ConsentAt = None,
) -> None:
    """Add a phone, email or address; the gate uses it at once."""
    given_at = parse_moment(consent_at, "--consent-at") if consent_at else None

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await contact_updates.add_contact(
            ctx, account_id, kind=kind, value=value, source=source.value, sms_consent=sms_consent,
            autodialer_consent=autodialer_consent, consent_from=consent_from.value if consent_from else None,
            consent_at=given_at, actor=who.name,
        )  # fmt: skip

    detail = {
        "kind": kind,
        "source": source.value,
        "sms_consent": sms_consent,
        "autodialer_consent": autodialer_consent,
    }
    _say(account_id, "contact_add", send, detail)


@contact_app.command()
def update(
    account_id: Account,
    point: PointNumber,
    value: Annotated[
        str | None, typer.Option(help="The corrected value: a new point replaces this one (kept, retired).")
    ] = None,
    source: Annotated[Source | None, typer.Option(help="Who gave it.")] = None,
    sms_consent: Annotated[
        bool | None, typer.Option("--sms-consent/--no-sms-consent", help="Consent to texts given, or withdrawn.")
    ] = None,
    autodialer_consent: Annotated[
        bool | None,
        typer.Option("--autodialer-consent/--no-autodialer-consent", help="Consent to autodialed calls, or withdrawn."),
    ] = None,
    consent_from: ConsentBy = None,
    consent_at: ConsentAt = None,
) -> None:
    """Correct a point's value, who gave it, or its consents to texts and autodialed calls."""
    given_at = parse_moment(consent_at, "--consent-at") if consent_at else None

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await contact_updates.update_contact(
            ctx, account_id, point, value=value, source=source.value if source else None, sms_consent=sms_consent,
            autodialer_consent=autodialer_consent, consent_from=consent_from.value if consent_from else None,
            consent_at=given_at, actor=who.name,
        )  # fmt: skip

    detail = {"point_id": point, "value_corrected": value is not None, "source": source.value if source else None,
              "sms_consent": sms_consent, "autodialer_consent": autodialer_consent}  # fmt: skip
    _say(account_id, "contact_update", send, detail)


@contact_app.command()
def retire(
    account_id: Account,
    point: PointNumber,
    reason: Annotated[RetireReason, typer.Option(help="Why.")] = RetireReason.OTHER,
) -> None:
    """Retire a point: kept for the history, never used again (not by the gate, not for time zones)."""

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await contact_updates.retire_contact(ctx, account_id, point, reason=reason.value, actor=who.name)

    _say(account_id, "contact_retire", send, {"point_id": point, "reason": reason.value})


@contact_app.command("returned-mail")
def returned_mail(
    account_id: Account,
    address: Annotated[str, typer.Option(help='The address: its number from `status` ("4" or "#4") or as printed.')],
) -> None:
    """A letter came back: the address is marked undeliverable (kept; no more letters go there)."""

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await contact_updates.mark_bad(
            ctx, account_id, address, kind="address", reason=BadReason.RETURNED_MAIL.value, actor=who.name
        )

    _say(account_id, "contact_returned_mail", send, {})


@contact_app.command()
def bounced(
    account_id: Account,
    email: Annotated[str, typer.Option(help='The email: its number from `status` ("5" or "#5") or the address.')],
) -> None:
    """An email bounced: the email is marked bad (kept; no more email goes there)."""

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await contact_updates.mark_bad(
            ctx, account_id, email, kind="email", reason=BadReason.BOUNCED.value, actor=who.name
        )

    _say(account_id, "contact_bounced", send, {})


@contact_app.command()
def language(
    account_id: Account,
    code: Annotated[str, typer.Argument(metavar="LANGUAGE", help="en (English) or es (Spanish).")],
) -> None:
    """The debtor's language: the next letter (the validation notice as Model Form B-1 in Spanish) and message in it."""

    async def send(ctx: OpsContext, who: Caller) -> str:
        return await contact_updates.set_language(ctx, account_id, code, actor=who.name)

    _say(account_id, "contact_language", send, {"language": code})
