"""Any error in one line, for a person or a log field: the database driver's own error, not SQLAlchemy's SQL."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


def one_line(err: BaseException) -> str:
    """The driver's own error as `Type: first line`, without SQLAlchemy's SQL text and bound parameters."""
    cause: BaseException = err
    if isinstance(err, DBAPIError) and err.orig is not None:
        cause = err.orig
        if cause.__cause__ is not None:  # SQLAlchemy's adapter around asyncpg's error: name asyncpg's
            cause = cause.__cause__
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text.splitlines()[0]}" if text else type(cause).__name__
