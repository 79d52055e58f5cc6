"""Contact updates (`collections contact ...` and the web API's /contacts routes): one function per change.

Each checks its input first (domain.validation, the same checks at every edge), refuses an unknown or closed
account, writes the store (audited with the actor), then tells a running workflow to reload its contact
snapshot (`contact_preference` CONTACT_POINTS, the path `event attorney` takes): the gate judges the next
contact on the new points at once. An account whose workflow has not started reads them when it starts.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from temporalio.service import RPCError, RPCStatusCode

from domain import validation
from domain.contact_messages import ContactPreference
from domain.contact_updates import LANGUAGES, BadReason, point_facts, point_value, same_value
from domain.messages import ContactPreferenceChange
from domain.workflow_contract import workflow_id_for
from ops.account_workflows import refuse, require_open_account
from ops.context import OpsContext
from ops.errors import OpsError, engine_busy
from store import contact_updates, repository
from store.contact_updates import Consent
from store.views import ContactPointView


def a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def words(code: str) -> str:
    return code.replace("_", " ")


MAX_POINT_ID = 2**62
"""Beyond any row id either backend gives (a larger number would not even fit SQLite's integer)."""
BAD_WORDS = {BadReason.RETURNED_MAIL: "undeliverable (returned mail)", BadReason.BOUNCED: "bad (bounced)"}


async def add_contact(
    ctx: OpsContext, account_id: str, *, kind: str, value: str, source: str, sms_consent: bool = False,
    autodialer_consent: bool = False, consent_from: str | None = None, consent_at: datetime | None = None,
    actor: str,
) -> str:  # fmt: skip
    now = datetime.now(UTC)
    refuse(validation.contact_point_problem(
        kind, value, source, sms_consent=sms_consent, autodialer_consent=autodialer_consent,
        consent_from=consent_from, consent_at=consent_at, now=now,
    ))  # fmt: skip
    await require_open_account(ctx, account_id)
    consent = Consent(sms_consent or None, autodialer_consent or None, consent_from or "debtor", consent_at)
    async with ctx.sessions() as session, session.begin():
        added = await contact_updates.add_contact_point(
            session, account_id=account_id, kind=kind, value=value, source=source, consent=consent, now=now,
            actor=actor,
        )  # fmt: skip
    point = added.point
    if not added.created:
        return f"duplicate: account {account_id} already has that {kind} as #{point.contact_point_id}; nothing changed"
    await reload_contacts(ctx, account_id)
    return f"{kind} #{point.contact_point_id} added to account {account_id} ({describe(point)}): the gate uses it now"


async def update_contact(
    ctx: OpsContext, account_id: str, point_id: int, *, value: str | None = None, source: str | None = None,
    sms_consent: bool | None = None, autodialer_consent: bool | None = None, consent_from: str | None = None,
    consent_at: datetime | None = None, actor: str,
) -> str:  # fmt: skip
    """Correct a value (a new point replaces the old, which is retired), who gave it, or its consents."""
    now = datetime.now(UTC)
    point = await _point(ctx, account_id, point_id)
    if value is None and source is None and sms_consent is None and autodialer_consent is None:
        raise OpsError("nothing to update: give --value, --source or a consent: nothing changed")
    if value is not None:
        refuse(validation.contact_point_problem(
            point.kind, value, source or "creditor", sms_consent=bool(sms_consent),
            autodialer_consent=bool(autodialer_consent), consent_from=consent_from, consent_at=consent_at, now=now,
        ))  # fmt: skip
    elif source is not None:
        refuse(validation.contact_point_problem(point.kind, point.value, source))
    refuse(validation.consent_problem(
        point.kind, sms_consent=sms_consent, autodialer_consent=autodialer_consent, consent_from=consent_from,
        consent_at=consent_at, now=now,
    ))  # fmt: skip
    consent = Consent(sms_consent, autodialer_consent, consent_from or "debtor", consent_at)
    async with ctx.sessions() as session, session.begin():
        if value is not None:
            new = await contact_updates.correct_contact_point(
                session, account_id=account_id, point_id=point_id, value=value, source=source, consent=consent,
                now=now, actor=actor,
            )  # fmt: skip
            changed = ["value"]
        else:
            changed = await contact_updates.update_contact_point(
                session, account_id=account_id, point_id=point_id, source=source, consent=consent, now=now,
                actor=actor,
            )  # fmt: skip
    if not changed:
        return f"contact point #{point_id} of account {account_id} already stands so: nothing changed"
    await reload_contacts(ctx, account_id)
    if value is not None:
        carried = "" if sms_consent or autodialer_consent else "; no consent carried over: give it again if any"
        return (
            f"{point.kind} #{point_id} of account {account_id} corrected: #{new.contact_point_id} replaces it "
            f"(#{point_id} retired, kept){carried}"
        )
    updated = await _point(ctx, account_id, point_id)
    return f"{point.kind} #{point_id} of account {account_id} updated ({describe(updated)})"


async def retire_contact(ctx: OpsContext, account_id: str, point_id: int, *, reason: str, actor: str) -> str:
    refuse(validation.retire_problem(reason))
    point = await _point(ctx, account_id, point_id)
    async with ctx.sessions() as session, session.begin():
        await contact_updates.retire_contact_point(
            session, account_id=account_id, point_id=point_id, reason=reason, now=datetime.now(UTC), actor=actor
        )
    await reload_contacts(ctx, account_id)
    said = f"{point.kind} #{point_id} of account {account_id} retired ({words(reason)}): kept, never used again"
    return said + await _none_left(ctx, account_id, point.kind)


async def mark_bad(ctx: OpsContext, account_id: str, point: str, *, kind: str, reason: str, actor: str) -> str:
    """A returned letter (`contact returned-mail --address`) or a bounced email (`contact bounced --email`):
    the point is kept, marked, and the gate no longer uses it."""
    refuse(validation.bad_point_problem(kind, reason))
    found = await point_named(ctx, account_id, point, kind)
    async with ctx.sessions() as session, session.begin():
        changed = await contact_updates.mark_point_bad(
            session, account_id=account_id, point_id=found.contact_point_id, reason=reason, now=datetime.now(UTC),
            actor=actor,
        )  # fmt: skip
    named = f"{kind} #{found.contact_point_id} of account {account_id}"
    if not changed:
        return f"already recorded: {named} is marked {_bad_words(found)}; nothing changed"
    await reload_contacts(ctx, account_id)
    return f"{named} marked {BAD_WORDS[BadReason(reason)]}: no more contact there" + await _none_left(
        ctx, account_id, kind
    )


async def set_language(ctx: OpsContext, account_id: str, language: str, *, actor: str) -> str:
    refuse(validation.language_problem(language))
    await require_open_account(ctx, account_id)
    async with ctx.sessions() as session, session.begin():
        before = await contact_updates.set_language(
            session, account_id=account_id, language=language, now=datetime.now(UTC), actor=actor
        )
    name = LANGUAGES[language]
    if before is None:
        return f"account {account_id} is already in {name}: nothing changed"
    await reload_contacts(ctx, account_id)
    was = LANGUAGES.get(before, before)
    return f"account {account_id} now in {name} (was {was}): the next letter and message in {name}"


async def reload_contacts(ctx: OpsContext, account_id: str) -> None:
    """Tell the account's running workflow to reload its contact snapshot; none running: it loads the
    store's when it starts."""
    handle = ctx.client.get_workflow_handle(workflow_id_for(account_id))
    try:
        await handle.signal("contact_preference", ContactPreferenceChange(ContactPreference.CONTACT_POINTS))
    except RPCError as err:
        if busy := engine_busy(err, account_id):
            raise busy from None
        if err.status != RPCStatusCode.NOT_FOUND:
            raise


def describe(point: ContactPointView) -> str:
    """Who gave it and its consents, no value (the answer goes to the audit log): domain.contact_updates."""
    return point_facts(dataclasses.asdict(point))


def _bad_words(point: ContactPointView) -> str:
    reason = point.bad_reason or "bad"
    return next((said for known, said in BAD_WORDS.items() if known.value == reason), f"bad ({words(reason)})")


async def _none_left(ctx: OpsContext, account_id: str, kind: str) -> str:
    async with ctx.sessions() as session:
        points = await repository.contact_points_for(session, account_id)
    if any(p.kind == kind and p.role == "debtor" and not p.bad for p in points):
        return ""
    what = {"phone": "no call or text", "email": "no email", "address": "no letter"}[kind]
    return f"; the account has no usable {kind} left: {what} can go out"


async def _point(ctx: OpsContext, account_id: str, point_id: int) -> ContactPointView:
    await require_open_account(ctx, account_id)
    if not 1 <= point_id <= MAX_POINT_ID:
        raise OpsError(f"account {account_id} has no contact point #{point_id}: nothing changed")
    async with ctx.sessions() as session:
        point = await repository.get_contact_point(session, point_id)
    if point is None or point.account_id != account_id:
        raise OpsError(f"account {account_id} has no contact point #{point_id}: nothing changed")
    return point


async def point_named(ctx: OpsContext, account_id: str, named: str, kind: str) -> ContactPointView:
    """The account's point of `kind` named by its number ('#4', '4') or its value."""
    number = named.strip().removeprefix("#")
    if number.isdigit():
        point = await _point(ctx, account_id, int(number))
        if point.kind != kind:
            raise OpsError(
                f"contact point #{number} of account {account_id} is {a(point.kind)}, not {a(kind)}: nothing changed"
            )
        return point
    await require_open_account(ctx, account_id)
    try:
        wanted = point_value(kind, named)
    except ValueError:
        wanted = " ".join(named.split())
    async with ctx.sessions() as session:
        points = await repository.contact_points_for(session, account_id)
    found = [p for p in points if p.kind == kind and same_value(kind, p.value, wanted)]
    if not found:
        raise OpsError(f"account {account_id} has no {kind} like that (give its number from `status`): nothing changed")
    return found[-1]
