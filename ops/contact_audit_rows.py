"""The rows the contact audit reads (one per attempt or inbound contact) and what it finds.

The rules are in ops/contact_audit.py, the file reader in ops/contact_audit_file.py, where the person may be in
ops/contact_audit_zones.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

SENT = frozenset({"sent", "unconfirmed", "sending"})
"""A contact went (or may have gone) out: every status but 'blocked' counts."""
THIRD_PARTIES = frozenset({"attorney"})
"""1006.14(b)(3)(iii) and 1006.6(d)(1)(i): the consumer's attorney is not the consumer; calls to them are excluded."""


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
