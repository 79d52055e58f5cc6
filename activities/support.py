"""What every activity shares: a logger bound to the account and the run, business refusals, and
what a failure of the store itself becomes (`store_activity`)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from store.failures import one_line, store_refused, store_unavailable

log = structlog.get_logger("activities")

STORE_UNAVAILABLE = "StoreUnavailable"
"""The store could not be reached or stayed locked: retried by the activity's retry policy."""
STORE_REFUSED = "StoreRefused"
"""The database refused the data itself (too long for its column, say): never retried."""


class ForAccount(Protocol):
    @property
    def account_id(self) -> str: ...


Activities = TypeVar("Activities")
Request = TypeVar("Request", bound=ForAccount)
Reply = TypeVar("Reply")


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


def store_activity(
    run: Callable[[Activities, Request], Awaitable[Reply]],
) -> Callable[[Activities, Request], Awaitable[Reply]]:
    """Put under `@activity.defn` of every activity that touches the store.

    The store unavailable (connection refused or lost, server shutting down, SQLite locked past
    its busy timeout): one warning line `store.unavailable` with the error, the attempt and when
    the next try comes, then a retryable `StoreUnavailable` with a one-line message (category
    benign, so the SDK does not log the same failure again with a traceback). The database
    refusing the data: `store.refused` and a non-retryable `StoreRefused`, which the workflow
    handles like any business refusal. Anything else goes up unchanged. The driver's exception is
    not chained: its SQL and bound parameters stay out of the Temporal history.
    """

    @functools.wraps(run)
    async def guarded(self: Activities, request: Request) -> Reply:
        try:
            return await run(self, request)
        except ApplicationError:
            raise
        except Exception as err:
            failure = _store_failure(err, request.account_id)
            if failure is None:
                raise
            raise failure from None

    return guarded


def _store_failure(err: Exception, account_id: str) -> ApplicationError | None:
    logger, error = bound_logger(account_id), one_line(err)
    if store_refused(err):
        logger.warning("store.refused", error=error, retrying=False)
        return ApplicationError(f"store refused the request: {error}", type=STORE_REFUSED, non_retryable=True)
    if not store_unavailable(err):
        return None
    retrying, retry_in = _next_try()
    logger.warning("store.unavailable", error=error, retrying=retrying, retry_in_seconds=retry_in)
    return ApplicationError(
        f"store unavailable: {error}", type=STORE_UNAVAILABLE, category=ApplicationErrorCategory.BENIGN
    )


def _next_try() -> tuple[bool, float | None]:
    """Whether the retry policy tries again, and in how many seconds (None where the policy is not known)."""
    info = activity.info()
    policy = info.retry_policy
    if policy is None:
        return True, None
    if policy.maximum_attempts and info.attempt >= policy.maximum_attempts:
        return False, None
    interval = policy.initial_interval.total_seconds() * policy.backoff_coefficient ** (info.attempt - 1)
    if policy.maximum_interval is not None:
        interval = min(interval, policy.maximum_interval.total_seconds())
    return True, round(interval, 3)
