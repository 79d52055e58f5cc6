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

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezone

COLUMNS = (
    "account_id", "attempt_no", "direction", "channel", "point_id", "point_kind", "point_role", "status",
    "rule", "outcome", "at", "template", "validation_notice", "purpose", "consent_to_calls",
    "address_state", "address_zone", "debtor_phones", "point_zone", "point_phone", "notice_first",
    "cease_at", "attorney_at", "attorney_allows_at", "holds", "opt_outs",
)  # fmt: skip
"""One row per attempt (or inbound contact); the account's facts repeated on each, so a row judges itself."""

_REQUIRED = ("account_id", "channel", "status", "at")

# Where the person may be (1006.6(b)(1)(i)): the IANA zones of each state and territory ("State" in the
# FDCPA, 15 U.S.C. 1692a(8), includes the territories and possessions). Kept here, not borrowed from the engine.
_ET, _CT, _MT, _PT = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": (_CT,), "AK": ("America/Anchorage", "America/Adak"), "AZ": ("America/Phoenix", _MT), "AR": (_CT,),
    "CA": (_PT,), "CO": (_MT,), "CT": (_ET,), "DE": (_ET,), "DC": (_ET,), "FL": (_ET, _CT), "GA": (_ET,),
    "HI": ("Pacific/Honolulu",), "ID": ("America/Boise", _PT), "IL": (_CT,),
    "IN": ("America/Indiana/Indianapolis", _CT), "IA": (_CT,), "KS": (_CT, _MT),
    "KY": ("America/Kentucky/Louisville", _CT), "LA": (_CT,), "ME": (_ET,), "MD": (_ET,), "MA": (_ET,),
    "MI": ("America/Detroit", "America/Menominee"), "MN": (_CT,), "MS": (_CT,), "MO": (_CT,), "MT": (_MT,),
    "NE": (_CT, _MT), "NV": (_PT,), "NH": (_ET,), "NJ": (_ET,), "NM": (_MT,), "NY": (_ET,), "NC": (_ET,),
    "ND": (_CT, _MT), "OH": (_ET,), "OK": (_CT,), "OR": (_PT, "America/Boise"), "PA": (_ET,), "RI": (_ET,),
    "SC": (_ET,), "SD": (_CT, _MT), "TN": (_ET, _CT), "TX": (_CT, _MT), "UT": (_MT,), "VT": (_ET,),
    "VA": (_ET,), "WA": (_PT,), "WV": (_ET,), "WI": (_CT,), "WY": (_MT,),
    "PR": ("America/Puerto_Rico",), "VI": ("America/St_Thomas",), "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",), "AS": ("Pacific/Pago_Pago",),
}  # fmt: skip
EVERY_US_ZONE: tuple[str, ...] = tuple(sorted({z for zones in STATE_ZONES.values() for z in zones}))
"""Nothing known of where the person is: every zone of every state and territory."""

EARLIEST, LATEST = time(8, 0), time(21, 0)
"""1006.6(b)(1)(i): before 8:00 a.m. and after 9:00 p.m. local time at the consumer's location is inconvenient."""
TIMED_CHANNELS = frozenset({"call", "sms", "email"})
"""Communications that reach the person when sent; a letter is judged by its mailing, not the hour."""
SENT = frozenset({"sent", "unconfirmed", "sending"})
"""A contact went (or may have gone) out: every status but 'blocked' counts."""
CONVERSATIONS = frozenset({"right_party_contact", "promise_to_pay", "refused"})
"""A telephone conversation with the person about the debt took place (1006.14(b)(2)(i)(B))."""
NOT_CONNECTED = frozenset({"busy", "not_in_service"})
"""1006.14(b)(3)(ii): a call that does not connect to the dialed number is not counted."""
CEASE_ALLOWED = frozenset({"cease_collection_stops", "cease_remedy_may_be_invoked", "cease_remedy_will_be_invoked"})
"""1006.6(c)(2)(i)-(iii): the only written communications allowed after a cease request."""
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
REPLY_TO_CONSUMER = "reply_to_consumer"
"""1006.14(h)(2): one reply confirming an opt-out, with no other content."""
THIRD_PARTIES = frozenset({"attorney"})
"""1006.14(b)(3)(iii) and 1006.6(d)(1)(i): the consumer's attorney is not the consumer; calls to them are excluded."""
CALLS_IN_7_DAYS = 7
WEEK = 7


class AuditInputError(ValueError):
    """A file the checker cannot read: one line naming the file, the line and the cell."""


@dataclass(frozen=True)
class Window:
    """A fact that holds from `start` until `end` (None: still holds): a hold, an opt-out."""

    what: str
    start: datetime
    end: datetime | None = None

    def covers(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class Row:
    account_id: str
    attempt_no: str
    direction: str
    channel: str
    point_id: str
    point_kind: str
    point_role: str
    status: str
    outcome: str
    at: datetime
    template: str = ""
    validation_notice: bool = False
    purpose: str = ""
    consent_to_calls: bool = False
    address_state: str = ""
    address_zone: str = ""
    debtor_phones: tuple[str, ...] = ()
    point_zone: str = ""
    point_phone: str = ""
    notice_first: bool = False
    cease_at: datetime | None = None
    attorney_at: datetime | None = None
    attorney_allows_at: datetime | None = None
    holds: tuple[Window, ...] = ()
    opt_outs: tuple[Window, ...] = ()

    @property
    def outbound_contact(self) -> bool:
        """The collector sent this (or may have): inbound contacts and blocked attempts are not its contacts."""
        return self.direction != "inbound" and self.status in SENT

    @property
    def third_party(self) -> bool:
        return self.point_role in THIRD_PARTIES

    @property
    def label(self) -> str:
        return f"attempt {self.attempt_no}" if self.direction != "inbound" else f"inbound {self.channel}"


@dataclass(frozen=True)
class Violation:
    account_id: str
    attempt: str
    rule: str
    """The paragraph of 12 CFR part 1006 (or the statute) the contact breaks."""
    why: str


@dataclass
class Audit:
    rows: int
    accounts: int
    contacts_by_channel: dict[str, int]
    calls_counted: int
    conversations: int
    timed_contacts_checked: int
    contacts_in_hold_windows: int
    violations: list[Violation] = field(default_factory=list)

    @property
    def by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for v in self.violations:
            counts[v.rule] += 1
        return dict(sorted(counts.items()))


# --- where the person may be ---------------------------------------------------------------------------------


@cache
def phone_zones(number: str) -> tuple[str, ...]:
    """The zones of a phone's area code (phonenumbers' data); a territory by its region; unknown: every US zone."""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return EVERY_US_ZONE
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
    if zones:
        return zones
    region = phonenumbers.region_code_for_number(parsed) or ""
    return STATE_ZONES.get(region, EVERY_US_ZONE) if region != "US" else EVERY_US_ZONE


def person_zones(row: Row) -> tuple[str, ...]:
    """Every zone the information points to (1006.6(b)(1)(i), comment 6(b)(1)(i)-1: convenient in all of them).

    The consumer (and a personal representative, a "consumer" under 1006.6(a)(4), reached at the
    debtor's points): the point's recorded zone, the address's zone (else every zone of its state),
    every phone of the debtor's. Someone else's point (a representative's own): its zone and phone only.
    """
    zones: set[str] = set()
    if row.point_zone:
        zones.add(row.point_zone)
    if row.point_phone:
        zones.update(phone_zones(row.point_phone))
    if row.point_role in ("", "debtor"):
        if row.address_zone:
            zones.add(row.address_zone)
        elif row.address_state:
            zones.update(STATE_ZONES.get(row.address_state.upper(), EVERY_US_ZONE))
        for phone in row.debtor_phones:
            zones.update(phone_zones(phone))
    return tuple(sorted(zones)) or EVERY_US_ZONE


def _local(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


def _local_dates(at: datetime, zones: Iterable[str]) -> dict[str, date]:
    return {zone: _local(at, zone).date() for zone in zones}


# --- the rules ---------------------------------------------------------------------------------------------------


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
            local = _local(row.at, zone)
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
    return any(0 <= (_local(later, z).date() - _local(earlier, z).date()).days < days for z in zones)


def _in_every_zone_within(earlier: datetime, later: datetime, zones: Iterable[str], days: int) -> bool:
    return all(0 <= (_local(later, z).date() - _local(earlier, z).date()).days < days for z in zones)


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


# --- the file -------------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """A CSV cell as written (a spreadsheet-safe leading "'" before a formula character taken off)."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def _instant(text: str, where: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise AuditInputError(f"{where}: not an ISO 8601 time: {text!r}") from None
    if at.tzinfo is None:
        raise AuditInputError(f"{where}: {text!r} has no UTC offset")
    return at.astimezone(UTC)


def _maybe_instant(text: str, where: str) -> datetime | None:
    return _instant(text, where) if text else None


def _windows(text: str, where: str) -> tuple[Window, ...]:
    """`what@start..end` separated by spaces (end empty: still on)."""
    windows = []
    for item in text.split():
        what, _, span = item.partition("@")
        start, dots, end = span.partition("..")
        if not what or not start or not dots:
            raise AuditInputError(f"{where}: {item!r} is not what@start..end")
        windows.append(Window(what, _instant(start, where), _maybe_instant(end, where)))
    return tuple(windows)


def _flag(text: str, where: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("", "false", "0", "no"):
        return False
    raise AuditInputError(f"{where}: {text!r} is not true or false")


def parse_rows(lines: Iterable[str], name: str = "attempts file") -> list[Row]:
    reader = csv.DictReader(lines)
    missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise AuditInputError(f"{name}: no column {', '.join(missing)} (an attempts export has {', '.join(COLUMNS)})")
    rows = []
    for number, raw in enumerate(reader, start=2):
        cell = {k: _cell(v or "") for k, v in raw.items() if k is not None}
        where = f"{name} line {number}"
        get = cell.get
        rows.append(Row(
            account_id=cell["account_id"], attempt_no=get("attempt_no", ""), direction=get("direction") or "outbound",
            channel=cell["channel"], point_id=get("point_id", ""), point_kind=get("point_kind", ""),
            point_role=get("point_role", ""), status=cell["status"], outcome=get("outcome", ""),
            at=_instant(cell["at"], f"{where}, at"), template=get("template", ""),
            validation_notice=_flag(get("validation_notice", ""), f"{where}, validation_notice"),
            purpose=get("purpose", ""),
            consent_to_calls=_flag(get("consent_to_calls", ""), f"{where}, consent_to_calls"),
            address_state=get("address_state", ""), address_zone=get("address_zone", ""),
            debtor_phones=tuple(get("debtor_phones", "").split()), point_zone=get("point_zone", ""),
            point_phone=get("point_phone", ""), notice_first=_flag(get("notice_first", ""), f"{where}, notice_first"),
            cease_at=_maybe_instant(get("cease_at", ""), f"{where}, cease_at"),
            attorney_at=_maybe_instant(get("attorney_at", ""), f"{where}, attorney_at"),
            attorney_allows_at=_maybe_instant(get("attorney_allows_at", ""), f"{where}, attorney_allows_at"),
            holds=_windows(get("holds", ""), f"{where}, holds"),
            opt_outs=_windows(get("opt_outs", ""), f"{where}, opt_outs"),
        ))  # fmt: skip
        for zone in (rows[-1].address_zone, rows[-1].point_zone):
            if zone:
                _known_zone(zone, where)
    return rows


@cache
def _zone_ok(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _known_zone(zone: str, where: str) -> None:
    if not _zone_ok(zone):
        raise AuditInputError(f"{where}: unknown time zone {zone!r}")


def read_file(path: Path) -> list[Row]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return parse_rows(handle, str(path))
    except FileNotFoundError:
        raise AuditInputError(f"no file {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise AuditInputError(f"cannot read {path}: {err}") from None


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
