"""An independent Regulation F check of exported contact attempts: compliance QA after the fact.

`collections audit-contacts FILE` reads an attempts file (`collections simulate --attempts FILE`
writes one; a platform's own export with the same columns works too) and re-derives every rule from
the text of 12 CFR part 1006 on its own: it imports nothing of the engine's gate (domain/compliance.py,
domain/cadence.py, domain/timezones.py). Where the debtor may be comes from its own state table and
`phonenumbers`' area-code data; local times from `zoneinfo`. A reading that could go either way is
taken the strict way (every candidate zone, calendar days in each of them).

Each rule is one pure function over the rows that returns its violations; `check` runs them all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time

from ops.contact_audit_rows import SENT, Audit, Row, Violation, Window
from ops.contact_audit_zones import local_time, person_zones

EARLIEST, LATEST = time(8, 0), time(21, 0)
"""1006.6(b)(1)(i): before 8:00 a.m. and after 9:00 p.m. local time at the consumer's location is inconvenient."""
TIMED_CHANNELS = frozenset({"call", "sms", "email"})
"""Communications that reach the person when sent; a letter is judged by its mailing, not the hour."""
CONVERSATIONS = frozenset({"right_party_contact", "promise_to_pay", "refused"})
"""A telephone conversation with the person about the debt took place (1006.14(b)(2)(i)(B))."""
NOT_CONNECTED = frozenset({"busy", "not_in_service"})
"""1006.14(b)(3)(ii): a call that does not connect to the dialed number is not counted."""
CEASE_ALLOWED = frozenset({"cease_collection_stops", "cease_remedy_may_be_invoked", "cease_remedy_will_be_invoked"})
"""1006.6(c)(2)(i)-(iii): the only written communications allowed after a cease request."""
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
REPLY_TO_CONSUMER = "reply_to_consumer"
"""1006.14(h)(2): one reply confirming an opt-out, with no other content."""
CALLS_IN_7_DAYS = 7
WEEK = 7


def _replies(rows: Sequence[Row]) -> set[int]:
    """Comment 6(b)(1)-2: a consumer who wrote or called at an inconvenient time may be answered once, in the
    same medium, then: the first reply after each inbound contact (by row index)."""
    by_account: dict[str, list[int]] = defaultdict(list)
    for i in sorted(range(len(rows)), key=lambda i: rows[i].at):
        by_account[rows[i].account_id].append(i)
    allowed: set[int] = set()
    for ordered in by_account.values():
        for i in (i for i in ordered if rows[i].direction == "inbound"):
            came = rows[i]
            reply = next((j for j in ordered if j not in allowed and rows[j].at >= came.at
                          and rows[j].outbound_contact and rows[j].purpose == REPLY_TO_CONSUMER
                          and rows[j].channel == came.channel), None)  # fmt: skip
            if reply is not None:
                allowed.add(reply)
    return allowed


def outside_hours(rows: Sequence[Row]) -> list[Violation]:
    """1006.6(b)(1)(i): no call, text or email before 08:00 or after 21:00 in ANY zone the person may be in
    (one reply to a consumer who got in touch at such a time excepted: comment 6(b)(1)-2)."""
    found, replies = [], _replies(rows)
    for index, row in enumerate(rows):
        if not row.outbound_contact or row.channel not in TIMED_CHANNELS or row.third_party or index in replies:
            continue
        for zone in person_zones(row):
            local = local_time(row.at, zone)
            if local.time() < EARLIEST or local.time() > LATEST:
                found.append(Violation(row.account_id, row.label, "1006.6(b)(1)(i)", (
                    f"{row.channel} at {local:%Y-%m-%d %H:%M} in {zone} (one of {', '.join(person_zones(row))})"
                )))  # fmt: skip
                break
    return found


def _person(row: Row) -> tuple[str, str]:
    """Calls are counted per person per debt (1006.14(b)(2)): the debtor, or a representative."""
    return row.account_id, "debtor" if row.point_role in ("", "debtor") else row.point_role


def _consent_windows(rows: Sequence[Row]) -> dict[tuple[str, str], list[datetime]]:
    given: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for row in rows:
        if row.consent_to_calls:
            given[_person(row)].append(row.at)
    return given


def _within_days(earlier: datetime, later: datetime, zones: Iterable[str], days: int) -> bool:
    """`later` falls on one of the `days` consecutive local days starting with `earlier`'s, in some zone."""
    return any(0 <= (local_time(later, z).date() - local_time(earlier, z).date()).days < days for z in zones)


def _in_every_zone_within(earlier: datetime, later: datetime, zones: Iterable[str], days: int) -> bool:
    return all(0 <= (local_time(later, z).date() - local_time(earlier, z).date()).days < days for z in zones)


def counted_calls(rows: Sequence[Row]) -> dict[tuple[str, str], list[Row]]:
    """The placed calls that count toward the seven, per person, in time order (1006.14(b)(2)(i)(A)):
    not a call that did not connect (1006.14(b)(3)(ii)), not a call to the attorney (1006.14(b)(3)(iii)),
    not one placed within 7 days after the person's direct prior consent (1006.14(b)(3)(i))."""
    consents = _consent_windows(rows)
    calls: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        if not row.outbound_contact or row.channel != "call" or row.third_party or row.outcome in NOT_CONNECTED:
            continue
        zones = person_zones(row)
        if any(c <= row.at and _in_every_zone_within(c, row.at, zones, WEEK) for c in consents[_person(row)]):
            continue
        calls[_person(row)].append(row)
    for placed in calls.values():
        placed.sort(key=lambda r: r.at)
    return calls


def too_many_calls(rows: Sequence[Row]) -> list[Violation]:
    """1006.14(b)(2)(i)(A): no more than 7 placed calls to a person about a debt within 7 consecutive days
    (calendar days in any of the person's zones)."""
    found = []
    for (account_id, _), placed in counted_calls(rows).items():
        for index, row in enumerate(placed):
            window = [r for r in placed[: index + 1] if _within_days(r.at, row.at, person_zones(row), WEEK)]
            if len(window) > CALLS_IN_7_DAYS:
                first = window[0]
                found.append(Violation(account_id, row.label, "1006.14(b)(2)(i)(A)", (
                    f"call no. {len(window)} within 7 consecutive days (the first, {first.label}, "
                    f"at {first.at:%Y-%m-%d %H:%M} UTC)"
                )))  # fmt: skip
    return found


def conversations(rows: Sequence[Row]) -> list[Row]:
    """Telephone conversations with the person about the debt, whoever placed the call (1006.14(b)(2)(i)(B))."""
    return [
        row
        for row in rows
        if row.channel == "call"
        and row.outcome in CONVERSATIONS
        and not row.third_party
        and (row.direction == "inbound" or row.status in SENT)
    ]


def call_after_conversation(rows: Sequence[Row]) -> list[Violation]:
    """1006.14(b)(2)(i)(B): no placed call within 7 consecutive days after a telephone conversation; the
    conversation's date is the first day (in any of the person's zones). Excluded calls as for the seven."""
    talks: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for talk in conversations(rows):
        talks[_person(talk)].append(talk)
    found = []
    for person, placed in counted_calls(rows).items():
        for row in placed:
            for talk in talks.get(person, []):
                if talk.at < row.at and _within_days(talk.at, row.at, person_zones(row), WEEK):
                    found.append(Violation(row.account_id, row.label, "1006.14(b)(2)(i)(B)", (
                        f"call at {row.at:%Y-%m-%d %H:%M} UTC, within 7 days of the conversation on "
                        f"{talk.label} at {talk.at:%Y-%m-%d %H:%M} UTC"
                    )))  # fmt: skip
                    break
    return found


HOLD_RULES = {
    "bankruptcy": "11 U.S.C. 362(a)",
    "dispute": "1006.38(d)(2)",
    "deceased": "1006.6(a)(4)",
    "legal": "hold",
}
"""A bankruptcy's automatic stay; a dispute: no collection until verification is sent; a death: only the
personal representative is the consumer."""


def _allowed_during(hold: Window, row: Row) -> bool:
    if hold.what == "dispute" and row.template == "verification":
        return True  # 1006.38(d)(2)(i): sending the verification is what the dispute waits for
    return hold.what == "deceased" and row.point_role == "representative"  # 1006.6(a)(4)


def during_hold(rows: Sequence[Row]) -> list[Violation]:
    """Nothing goes out while a hold is on: bankruptcy (11 U.S.C. 362(a)), dispute (1006.38(d)(2)), death
    (1006.6(a)(4): the personal representative only)."""
    found = []
    for row in rows:
        if not row.outbound_contact:
            continue
        for hold in row.holds:
            if hold.covers(row.at) and not _allowed_during(hold, row):
                found.append(Violation(row.account_id, row.label, HOLD_RULES.get(hold.what, "hold"), (
                    f"{row.channel} ({row.template or 'no template'}) at {row.at:%Y-%m-%d %H:%M} UTC during the "
                    f"{hold.what} hold from {hold.start:%Y-%m-%d %H:%M} UTC"
                )))  # fmt: skip
                break
    return found


def after_cease(rows: Sequence[Row]) -> list[Violation]:
    """1006.6(c)(1): after a written request to cease, nothing but the letters 1006.6(c)(2) allows."""
    found = []
    for row in rows:
        if not row.outbound_contact or row.cease_at is None or row.at < row.cease_at:
            continue
        if row.channel == "letter" and row.purpose in CEASE_ALLOWED:
            continue
        why = f"{row.channel} at {row.at:%Y-%m-%d %H:%M} UTC after the cease request of {row.cease_at:%Y-%m-%d %H:%M}"
        found.append(Violation(row.account_id, row.label, "1006.6(c)(1)", why))
    return found


def after_opt_out(rows: Sequence[Row]) -> list[Violation]:
    """1006.6(e) (electronic messages) and 1006.14(h)(1) (a medium the person asked not to be used): nothing
    on a channel of a point after its opt-out; one confirmation allowed (1006.14(h)(2))."""
    found, confirmed = [], set()
    for row in sorted(rows, key=lambda r: r.at):
        if not row.outbound_contact:
            continue
        for out in row.opt_outs:
            if out.what not in ("all", row.channel) or not out.covers(row.at):
                continue
            key = (row.account_id, row.point_id, out.what, out.start)
            if row.purpose == OPT_OUT_CONFIRMATION and key not in confirmed:
                confirmed.add(key)
                continue
            rule = "1006.6(e)" if row.channel in ("email", "sms") else "1006.14(h)(1)"
            found.append(Violation(row.account_id, row.label, rule, (
                f"{row.channel} to point {row.point_id} at {row.at:%Y-%m-%d %H:%M} UTC after its opt-out "
                f"({out.what}) of {out.start:%Y-%m-%d %H:%M} UTC"
            )))  # fmt: skip
            break
    return found


def around_attorney(rows: Sequence[Row]) -> list[Violation]:
    """1006.6(b)(2): once the consumer's attorney is known, only the attorney, unless the attorney consents
    or does not respond in a reasonable time (recorded as attorney_allows_at)."""
    found = []
    for row in rows:
        if not row.outbound_contact or row.attorney_at is None or row.at < row.attorney_at or row.third_party:
            continue
        if row.attorney_allows_at is not None and row.at >= row.attorney_allows_at:
            continue
        if row.point_role == "representative":
            continue
        found.append(Violation(row.account_id, row.label, "1006.6(b)(2)", (
            f"{row.channel} to the consumer at {row.at:%Y-%m-%d %H:%M} UTC; an attorney known since "
            f"{row.attorney_at:%Y-%m-%d %H:%M} UTC"
        )))  # fmt: skip
    return found


def before_notice(rows: Sequence[Row]) -> list[Violation]:
    """The validation notice first where the strategy says so: it is then the initial communication
    (1006.34(a)(1)(i)(A)); nothing else goes to the consumer before it is sent."""
    notice_at: dict[str, datetime] = {}
    for row in rows:
        if row.outbound_contact and row.validation_notice:
            notice_at[row.account_id] = min(row.at, notice_at.get(row.account_id, row.at))
    found = []
    for row in rows:
        if not row.outbound_contact or not row.notice_first or row.validation_notice or row.third_party:
            continue
        first = notice_at.get(row.account_id)
        if first is None or row.at < first:
            when = "never sent" if first is None else f"sent {first:%Y-%m-%d %H:%M} UTC"
            found.append(Violation(row.account_id, row.label, "1006.34(a)(1)(i)(A)", (
                f"{row.channel} at {row.at:%Y-%m-%d %H:%M} UTC before the validation notice ({when})"
            )))  # fmt: skip
    return found


RULES: tuple[Callable[[Sequence[Row]], list[Violation]], ...] = (
    outside_hours, too_many_calls, call_after_conversation, during_hold, after_cease, after_opt_out,
    around_attorney, before_notice,
)  # fmt: skip


def check(rows: Sequence[Row]) -> Audit:
    """Every rule over every row; every violation, with a summary of what was there to check."""
    by_channel: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.outbound_contact:
            by_channel[row.channel] += 1
    violations = [v for rule in RULES for v in rule(rows)]
    violations.sort(key=lambda v: (v.account_id, v.attempt, v.rule))
    return Audit(
        rows=len(rows),
        accounts=len({r.account_id for r in rows}),
        contacts_by_channel=dict(sorted(by_channel.items())),
        calls_counted=sum(len(c) for c in counted_calls(rows).values()),
        conversations=len(conversations(rows)),
        timed_contacts_checked=sum(
            1 for r in rows if r.outbound_contact and r.channel in TIMED_CHANNELS and not r.third_party
        ),
        contacts_in_hold_windows=sum(1 for r in rows if r.outbound_contact and any(h.covers(r.at) for h in r.holds)),
        violations=violations,
    )


def summary_lines(audit: Audit) -> list[str]:
    """The verdict in words: what was checked, then each violation, then the count by rule."""
    channels = ", ".join(f"{n} {c}" for c, n in audit.contacts_by_channel.items()) or "none"
    lines = [
        f"checked {audit.rows} attempts of {audit.accounts} accounts: contacts sent {channels}",
        f"  {audit.timed_contacts_checked} calls, texts and emails against 08:00-21:00 in every zone (1006.6(b)(1)(i))",
        f"  {audit.calls_counted} placed calls counted toward 7 in 7 days (1006.14(b)(2)(i)(A)); "
        f"{audit.conversations} telephone conversations starting a 7-day quiet period (1006.14(b)(2)(i)(B))",
        f"  {audit.contacts_in_hold_windows} contacts while a hold was on (allowed: verification, the representative)",
    ]
    if not audit.violations:
        lines.append("no violations found")
        return lines
    lines += [f"VIOLATION {v.account_id} {v.attempt}: {v.rule}: {v.why}" for v in audit.violations]
    by_rule = ", ".join(f"{rule} {n}" for rule, n in audit.by_rule.items())
    accounts = len({v.account_id for v in audit.violations})
    lines.append(f"{len(audit.violations)} violations in {accounts} accounts: {by_rule}")
    return lines
