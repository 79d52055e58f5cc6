"""What every activity shares: a logger bound to the account and the run, and business refusals."""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

log = structlog.get_logger("activities")


def bound_logger(account_id: str, **context: object) -> structlog.stdlib.BoundLogger:
    """A logger carrying account, workflow, run, activity and attempt: every line can be traced."""
    info = activity.info()
    return log.bind(
        account_id=account_id,
        workflow_id=info.workflow_id,
        run_id=info.workflow_run_id,
        activity=info.activity_type,
        attempt=info.attempt,
        **context,
    )


def refusal(err: Exception) -> ApplicationError:
    """A business refusal: retrying cannot help, so the workflow hears of it at once."""
    return ApplicationError(str(err), type=type(err).__name__, non_retryable=True)
