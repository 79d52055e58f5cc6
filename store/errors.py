"""Refusals raised by the store, each with a one-line message."""

from __future__ import annotations

from domain.errors import Refused


class StoreError(Refused):
    """A request the store refused; nothing was changed."""


class UnknownAccount(StoreError):
    """No account with that id has been loaded."""


class DuplicateReference(StoreError):
    """A payment reference that is already recorded for another account."""


class AmountOutOfRange(StoreError):
    """An amount beyond what any account's books may hold (domain.bounds.CEILING_CENTS)."""


class SchemaNotCurrent(RuntimeError):
    """The database is at a migration revision this code does not run against."""


class UnknownAttempt(StoreError):
    """No contact attempt with that number has been recorded for the account."""


class UnknownContactPoint(StoreError):
    """No contact point with that id (on that account)."""


class UnknownPlan(StoreError):
    """No repayment plan with that number has been recorded for the account."""


class UnknownInstallment(StoreError):
    """The plan has no installment with that number."""


class UnknownPromise(StoreError):
    """No promise to pay with that number has been recorded for the account."""


class PlanNotSettleable(StoreError):
    """A settlement asked of a plan that is not a settlement, or that was broken or cancelled."""


class UnknownPlacement(StoreError):
    """No agency placement with that number has been recorded for the account."""


class UnknownPayment(StoreError):
    """No payment with that reference has been recorded for the account."""


class UnknownHold(StoreError):
    """No hold with that reference has been opened on the account."""


class UnknownExportBatch(StoreError):
    """No outbox or placement export with that batch number."""
