"""ORM rows of the account store, kept apart from the domain (callers get store.views).

The registry: importing this package defines every table on `Base.metadata` (Alembic's `env.py` reads it).
The rows are grouped by topic in the modules beside this one.
"""

from store.models.accounts import AccountRow, AuditEntryRow, ContactPointRow, CreditorEntryRow, PaymentRow
from store.models.back_office import ClosedMonthRow, ExportBatchRow, NoteRow, WriteDownRow, WriteRequestRow
from store.models.base import Base
from store.models.contacts import ContactAttemptRow, OutboxRow
from store.models.desk import AccountClaimRow
from store.models.holds import ClaimRow, HoldRow
from store.models.negotiation import InstallmentRow, PlanRow, PromiseRow
from store.models.placements import PlacementRow
from store.models.posting import PaymentPostingRow, SuspenseItemRow
from store.models.reversals import PaymentReversalRow

__all__ = [
    "AccountClaimRow",
    "AccountRow",
    "AuditEntryRow",
    "Base",
    "ClaimRow",
    "ClosedMonthRow",
    "ContactAttemptRow",
    "ContactPointRow",
    "CreditorEntryRow",
    "ExportBatchRow",
    "HoldRow",
    "InstallmentRow",
    "NoteRow",
    "OutboxRow",
    "PaymentPostingRow",
    "PaymentReversalRow",
    "PaymentRow",
    "PlacementRow",
    "PlanRow",
    "PromiseRow",
    "SuspenseItemRow",
    "WriteDownRow",
    "WriteRequestRow",
]
