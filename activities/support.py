"""What every activity shares: a logger bound to the account and the run, the time a write is recorded
at (`decided_at`), what a business refusal and a failure of the store itself become (`store_activity`),
and one log line per activity outcome (`ActivityOutcomes`, the worker's interceptor)."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory, CancelledError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from domain.errors import Refused
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


def bound_logger(account_id: str | None, **context: object) -> structlog.stdlib.BoundLogger:
    """A logger carrying account, workflow, run, activity (type and id) and attempt: every line can be traced."""
    info = activity.info()
    return log.bind(
        account_id=account_id,
        workflow_id=info.workflow_id,
        run_id=info.workflow_run_id,
        activity=info.activity_type,
        activity_id=info.activity_id,
        attempt=info.attempt,
        **context,
    )


def decided_at(at: datetime | None) -> datetime:
    """When the workflow decided the write: the command's `at`. A command scheduled before commands
    carried one gets the time its activity was first scheduled: never the clock of this attempt."""
    return at if at is not None else activity.info().scheduled_time


def store_activity(
    run: Callable[[Activities, Request], Awaitable[Reply]],
) -> Callable[[Activities, Request], Awaitable[Reply]]:
    """Put under `@activity.defn` of every activity that touches the store.

    A business refusal (domain.errors.Refused: an unknown account, a bad reference, a template that
    cannot render): a non-retryable ApplicationError whose type is the refusal's class name, so the
    workflow hears of it at once; the one place an activity's refusal becomes one. A bare ValueError,
    KeyError or TypeError is a fault of the code: it goes up unchanged and is retried.
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
        except Refused as err:
            raise ApplicationError(str(err), type=type(err).__name__, non_retryable=True) from None
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
    retrying, retry_in = _next_try(STORE_UNAVAILABLE)
    logger.warning("store.unavailable", error=error, retrying=retrying, retry_in_seconds=retry_in)
    return ApplicationError(
        f"store unavailable: {error}", type=STORE_UNAVAILABLE, category=ApplicationErrorCategory.BENIGN
    )


def _next_try(error_type: str) -> tuple[bool, float | None]:
    """Whether the retry policy tries again after a retryable failure of `error_type`, and in how many
    seconds (None where the policy is not known)."""
    info = activity.info()
    policy = info.retry_policy
    if policy is None:
        return True, None
    if error_type in (policy.non_retryable_error_types or ()):
        return False, None
    if policy.maximum_attempts and info.attempt >= policy.maximum_attempts:
        return False, None
    interval = policy.initial_interval.total_seconds() * policy.backoff_coefficient ** (info.attempt - 1)
    if policy.maximum_interval is not None:
        interval = min(interval, policy.maximum_interval.total_seconds())
    return True, round(interval, 3)


class ActivityOutcomes(Interceptor):
    """One log line per activity execution, registered once in the worker (worker_wiring.py).

    Bound like every activity line (account, workflow, run, activity type and id, attempt):
    `activity.completed` (info) with `duration_ms`; `activity.failed` (warning) with `duration_ms`,
    `error_type` (an ApplicationError's type, else the exception's class), `error` (an
    ApplicationError's message: written for the workflow's history, so free of personal data),
    `retrying` and `retry_in_seconds`, and the traceback of an exception nobody raised on purpose;
    `activity.cancelled` (warning) with `duration_ms`.
    """

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _LogOutcome(next)


class _LogOutcome(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        account_id = getattr(input.args[0], "account_id", None) if input.args else None
        logger = bound_logger(account_id if isinstance(account_id, str) else None)
        started = time.monotonic()
        try:
            result = await self.next.execute_activity(input)
        except (asyncio.CancelledError, CancelledError):
            logger.warning("activity.cancelled", duration_ms=_since(started))
            raise
        except Exception as err:
            _log_failure(logger, err, _since(started))
            raise
        logger.info("activity.completed", duration_ms=_since(started))
        return result


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _log_failure(logger: structlog.stdlib.BoundLogger, err: Exception, duration_ms: int) -> None:
    if isinstance(err, ApplicationError):
        error_type = err.type or type(err).__name__
        retrying, retry_in = (False, None) if err.non_retryable else _next_try(error_type)
        logger.warning(
            "activity.failed", duration_ms=duration_ms, error_type=error_type, error=err.message,
            retrying=retrying, retry_in_seconds=retry_in,
        )  # fmt: skip
        return
    error_type = type(err).__name__
    retrying, retry_in = _next_try(error_type)
    logger.warning(
        "activity.failed", duration_ms=duration_ms, error_type=error_type, retrying=retrying,
        retry_in_seconds=retry_in, exc_info=err,
    )  # fmt: skip


class _NotTheSdkFailureLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "__temporal_error_identifier", None) != "ActivityFailure"


def leave_failures_to_the_outcome_line() -> None:
    """Drop the SDK's own "Completing activity as failed" line (a traceback for every refusal): with
    ActivityOutcomes registered, `activity.failed` says the same in one line. For the worker process."""
    sdk_logger = activity.logger.base_logger
    if not any(isinstance(f, _NotTheSdkFailureLine) for f in sdk_logger.filters):
        sdk_logger.addFilter(_NotTheSdkFailureLine())
