"""Refusals at the edge: one line for the person at the terminal, nothing changed."""

from __future__ import annotations

from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode


class OpsError(Exception):
    """A request that was refused before anything changed."""


class EngineBusy(OpsError):
    """Temporal did not answer in time: the request may or may not have arrived (events are idempotent)."""


def engine_busy(err: BaseException, account_id: str) -> EngineBusy | None:
    """The one line for a request Temporal did not answer in time (a deadline, a server going away)."""
    timed_out = isinstance(err, WorkflowUpdateRPCTimeoutOrCancelledError) or (
        isinstance(err, RPCError) and err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE)
    )
    if not timed_out:
        return None
    return EngineBusy(
        f"the engine did not answer in time about account {account_id}; the request may still arrive: "
        "check `status` before sending it again"
    )


class RequestConflict(OpsError):
    """An idempotency key already used for another request, or one still in progress (HTTP 409)."""


class NotAllowed(OpsError):
    """The caller may not do this (maker-checker: the one who asked approving their own); HTTP 403."""
