"""A request Temporal does not answer in time is one line at every edge (CLI, API, the demo's actors)."""

from __future__ import annotations

from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from ops.errors import EngineBusy, OpsError, engine_busy


def test_a_deadline_or_a_server_going_away_is_the_engine_being_busy_and_says_what_to_do() -> None:
    for err in (
        RPCError("deadline", RPCStatusCode.DEADLINE_EXCEEDED, b""),
        RPCError("gone", RPCStatusCode.UNAVAILABLE, b""),
        WorkflowUpdateRPCTimeoutOrCancelledError(),
    ):
        busy = engine_busy(err, "D1")
        assert isinstance(busy, EngineBusy) and isinstance(busy, OpsError)
        assert str(busy) == (
            "the engine did not answer in time about account D1; the request may still arrive: "
            "check `status` before sending it again"
        )


def test_other_errors_are_not_the_engine_being_busy() -> None:
    assert engine_busy(RPCError("no such workflow", RPCStatusCode.NOT_FOUND, b""), "D1") is None
    assert engine_busy(ValueError("bad"), "D1") is None
