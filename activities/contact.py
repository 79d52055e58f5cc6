"""Activities that contact debtors and record what came of it, exactly once per attempt number.

Messages are rendered here, from the store: names, numbers, addresses and bodies never enter a
Temporal history, and log lines carry ids, channels and statuses only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contact_message import Outgoing, prepare_message, snapshot_of
from activities.support import bound_logger, decided_at, store_activity
from channels.email import NotDelivered, SmtpSender
from channels.render import TEMPLATES
from domain.contact import Channel, Outcome
from domain.contact_messages import (
    MAX_DISPATCH_DELAY_SECONDS,
    AttemptStatus,
    ContactPreference,
    ContactPreferenceInput,
    ContactSnapshot,
    LoadContactSnapshotInput,
    RecordBlockedInput,
    RecordOutcomeInput,
    SendContactInput,
    SendContactResult,
    attempt_key,
)
from domain.contact_updates import BadReason
from domain.errors import Refused, parsed
from domain.inbound import RecordInboundInput
from domain.rule_packs import licence_lines
from service import metrics
from service.config import DEFAULT_COMPANY_CONTACT
from store import repository
from store.errors import UnknownContactPoint
from store.views import AttemptView


def _result(attempt: AttemptView) -> SendContactResult:
    return SendContactResult(status=attempt.status, at=attempt.at, local_at=attempt.local_at, rule=attempt.rule)


class DispatchTooLate(Refused):
    """The gate cleared the attempt too long before this dispatch: it must decide again."""


def _refuse_stale_clearance(request: SendContactInput) -> None:
    """The gate's answer holds for the instant it was given: a dispatch long after it must be re-asked."""
    if request.at is None:
        return
    dispatched = activity.info().current_attempt_scheduled_time
    if (dispatched - request.at).total_seconds() > MAX_DISPATCH_DELAY_SECONDS:
        raise DispatchTooLate(
            f"attempt {request.attempt_no} was cleared at {request.at.isoformat()} but dispatched at "
            f"{dispatched.isoformat()}: the compliance gate must decide again"
        )


class ContactActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        email: SmtpSender | None,
        *,
        company_contact: str = DEFAULT_COMPANY_CONTACT,
        templates: Path = TEMPLATES,
        licences: Mapping[str, str] | None = None,
    ) -> None:
        self._sessions = sessions
        self._email = email
        self._company_contact = company_contact
        self._licences: Mapping[str, str] = dict(licences or {})
        """The collector's licence numbers by rule pack ('US-CA' -> '10059-99'): COLLECTOR_LICENSES."""
        self._templates = templates

    @activity.defn
    @store_activity
    async def load_contact_snapshot(self, request: LoadContactSnapshotInput) -> ContactSnapshot:
        async with self._sessions() as session:
            view = await repository.contact_snapshot(session, request.account_id)
        snapshot = snapshot_of(view)
        written = licence_lines(snapshot.jurisdictions, Channel.LETTER, self._licences)
        snapshot.licence_missing = list(written.missing)  # the gate refuses written messages then
        return snapshot

    @activity.defn
    @store_activity
    async def send_contact(self, request: SendContactInput) -> SendContactResult:
        """Send (email over SMTP) or queue (everything else) one contact, once per attempt number.

        Outbox channels: the attempt ('sent') and its outbox row commit together, so a retry finds
        both or neither. Email over SMTP cannot join that transaction, so the attempt commits as
        'sending' first, then the message goes out, then the attempt becomes 'sent'. A retry that
        finds 'sending' cannot know whether the server took the message (the worker may have died
        just after handing it over), so it records 'unconfirmed' and does NOT send again: a
        collector may not repeat a message at will (harassment, call/email frequency limits), so
        at most once beats at least once. A refusal by the server (nothing was taken) forgets the
        'sending' row instead, so that the retry sends.

        An attempt number already recorded comes back as it stands (sent, unconfirmed or blocked).
        The store has the last word: a point opted out or found bad, or a cease request, since the
        workflow's snapshot records the attempt 'blocked' with its rule instead of sending.
        """
        logger = bound_logger(request.account_id, attempt_no=request.attempt_no, channel=request.channel.value)
        smtp = self._email if request.channel == Channel.EMAIL else None
        async with self._sessions() as session, session.begin():
            finished, outgoing, count = await self._record(session, request, smtp is not None, logger)
        if count is not None:  # committed: counted once, whatever retries come
            count()
        if finished is not None:
            return finished
        assert smtp is not None and outgoing is not None
        return await self._send_email(smtp, request, outgoing, logger)

    async def _record(
        self, session: AsyncSession, request: SendContactInput, over_smtp: bool, logger: structlog.stdlib.BoundLogger
    ) -> tuple[SendContactResult | None, Outgoing | None, Callable[[], None] | None]:
        """Record the attempt (and queue it, or prepare the email); a result when nothing is left to do, and
        the metric to count once the transaction commits when the attempt is new (queued or blocked)."""
        now = decided_at(request.at)
        recorded = await repository.get_attempt(session, request.account_id, request.attempt_no)
        if recorded is not None and recorded.status == AttemptStatus.SENDING:
            logger.warning("contact.unconfirmed", reason="found 'sending' on retry: not sent again")
            recorded = await repository.finish_attempt(
                session,
                account_id=request.account_id,
                attempt_no=request.attempt_no,
                status=AttemptStatus.UNCONFIRMED,
                now=now,
            )
        if recorded is not None:
            logger.info("contact.already_recorded", status=recorded.status.value)
            return _result(recorded), None, None
        _refuse_stale_clearance(request)
        rule, outgoing, language = await prepare_message(
            session,
            request,
            templates=self._templates,
            licence_numbers=self._licences,
            company_contact=self._company_contact,
        )
        if rule is not None:
            blocked = await repository.record_blocked_attempt(
                session,
                account_id=request.account_id,
                attempt_no=request.attempt_no,
                channel=request.channel,
                contact_point_id=request.point_id,
                rule=rule,
                at=now,
                now=now,
            )
            logger.warning("contact.blocked_at_send", rule=rule.value)
            count = partial(metrics.contact_blocked, rule.value) if blocked.created else None
            return _result(blocked.attempt), None, count
        begun = await repository.begin_attempt(
            session,
            account_id=request.account_id,
            attempt_no=request.attempt_no,
            channel=request.channel,
            contact_point_id=request.point_id,
            template=request.template,
            validation_notice=request.validation_notice,
            status=AttemptStatus.SENDING if over_smtp else AttemptStatus.SENT,
            detail={"language": language},
            now=now,
        )
        if not begun.created:
            return _result(begun.attempt), None, None
        if over_smtp:
            return None, outgoing, None
        await repository.enqueue_outbox(
            session,
            attempt_key=attempt_key(request.account_id, request.attempt_no),
            account_id=request.account_id,
            channel=request.channel,
            contact_point_id=request.point_id,
            recipient=outgoing.to,
            subject=outgoing.subject or None,
            body=outgoing.body,
            now=now,
            letter=outgoing.letter,
        )
        logger.info("contact.queued", template=request.template, language=language)
        return _result(begun.attempt), None, partial(metrics.contact_sent, request.channel.value)

    async def _send_email(
        self, smtp: SmtpSender, request: SendContactInput, outgoing: Outgoing, logger: structlog.stdlib.BoundLogger
    ) -> SendContactResult:
        key = attempt_key(request.account_id, request.attempt_no)
        try:
            await smtp.send(message_id=key, to=outgoing.to, subject=outgoing.subject, body=outgoing.body)
        except NotDelivered as err:
            async with self._sessions() as session, session.begin():
                await repository.abandon_attempt(
                    session,
                    account_id=request.account_id,
                    attempt_no=request.attempt_no,
                    reason=str(err),
                    now=decided_at(request.at),
                )
            logger.warning("contact.not_delivered", code=err.code, permanent=err.permanent)
            raise ApplicationError(str(err), type="NotDelivered", non_retryable=err.permanent) from None
        except Exception as err:  # the server may or may not have the message: never send it again
            logger.warning("contact.unconfirmed", reason="SMTP error after hand-over", error=type(err).__name__)
            status = AttemptStatus.UNCONFIRMED
        else:
            status = AttemptStatus.SENT
        async with self._sessions() as session, session.begin():
            attempt = await repository.finish_attempt(
                session,
                account_id=request.account_id,
                attempt_no=request.attempt_no,
                status=status,
                now=decided_at(request.at),
            )
        if attempt.status == AttemptStatus.SENT:
            metrics.contact_sent(request.channel.value)
        logger.info(f"contact.{attempt.status.value}", template=request.template)
        return _result(attempt)

    @activity.defn
    @store_activity
    async def record_blocked_attempt(self, request: RecordBlockedInput) -> None:
        async with self._sessions() as session, session.begin():
            recorded = await repository.record_blocked_attempt(
                session,
                account_id=request.account_id,
                attempt_no=request.attempt_no,
                channel=request.channel,
                contact_point_id=request.point_id,
                rule=request.rule,
                at=request.at,
                now=request.at,
            )
        if recorded.created:
            metrics.contact_blocked(request.rule.value)
        bound_logger(request.account_id, attempt_no=request.attempt_no).info(
            "contact.blocked" if recorded.created else "contact.already_recorded",
            channel=request.channel.value,
            rule=request.rule.value,
        )

    @activity.defn
    @store_activity
    async def record_contact_outcome(self, request: RecordOutcomeInput) -> None:
        """The outcome of an attempt; a wrong number also marks the attempt's contact point bad."""
        now = decided_at(request.at)
        async with self._sessions() as session, session.begin():
            changed = await repository.set_attempt_outcome(
                session,
                account_id=request.account_id,
                attempt_no=request.attempt_no,
                outcome=request.outcome,
                now=now,
            )
            attempt = await repository.get_attempt(session, request.account_id, request.attempt_no)
            if request.outcome == Outcome.WRONG_NUMBER and attempt and attempt.contact_point_id is not None:
                await repository.set_point_flags(
                    session, point_id=attempt.contact_point_id, bad=True, now=now, reason=BadReason.WRONG_NUMBER
                )
        bound_logger(request.account_id, attempt_no=request.attempt_no).info(
            "contact.outcome" if changed else "contact.outcome_already_recorded", outcome=request.outcome.value
        )

    @activity.defn
    @store_activity
    async def record_inbound_contact(self, request: RecordInboundInput) -> None:
        """A contact the consumer started, stored once per inbound id (a repeat changes nothing)."""
        contact = request.contact
        async with self._sessions() as session, session.begin():
            recorded = await repository.record_inbound_contact(
                session,
                account_id=request.account_id,
                attempt_no=request.attempt_no,
                inbound_id=contact.inbound_id,
                channel=contact.channel,
                contact_point_id=contact.point_id,
                outcome=contact.outcome,
                consent_to_calls=contact.consent_to_calls,
                at=contact.at,
                now=decided_at(request.at),
                placed_by=contact.placed_by,
            )
            if contact.outbound and contact.outcome == Outcome.WRONG_NUMBER and contact.point_id is not None:
                await repository.set_point_flags(
                    session, point_id=contact.point_id, bad=True, now=decided_at(request.at),
                    reason=BadReason.WRONG_NUMBER,
                )  # fmt: skip
        bound_logger(request.account_id, attempt_no=request.attempt_no).info(
            ("contact.staff_call" if contact.outbound else "contact.inbound")
            if recorded.created
            else "contact.inbound_already_recorded",
            channel=contact.channel.value,
            outcome=contact.outcome.value,
        )

    @activity.defn
    @store_activity
    async def apply_contact_preference(self, request: ContactPreferenceInput) -> None:
        """Opt-out (of one channel, or of the point), cease communication, or a bad contact point."""
        now = decided_at(request.at)
        kind = parsed(ContactPreference, request.kind, "a contact preference")
        async with self._sessions() as session, session.begin():
            if kind == ContactPreference.CEASE:
                changed = await repository.set_cease_communication(session, request.account_id, now)
            else:
                if request.point_id is None:
                    raise UnknownContactPoint(f"{kind.value} needs a contact point id")
                opt_out = kind == ContactPreference.OPT_OUT
                changed = await repository.set_point_flags(
                    session,
                    point_id=request.point_id,
                    opted_out=True if opt_out else None,
                    bad=None if opt_out else True,
                    channel=request.channel if opt_out else None,
                    now=now,
                    account_id=request.account_id,
                )
        bound_logger(request.account_id).info(
            "contact.preference" if changed else "contact.preference_already_recorded",
            kind=kind.value,
            point_id=request.point_id,
            channel=request.channel,
        )

    def all(self) -> list:
        return [
            self.load_contact_snapshot,
            self.send_contact,
            self.record_blocked_attempt,
            self.record_contact_outcome,
            self.record_inbound_contact,
            self.apply_contact_preference,
        ]
