"""What a failure of the database itself means: the store is unavailable (try again later) or it
refused the data (trying again cannot help). The one place that tells them apart, for the
activities (retry or stop) and the CLI (one line instead of a traceback).

- unavailable: the server cannot be reached or went away (connection refused or reset, shut
  down, restarting, out of connections), or SQLite's lock was held past the busy timeout
  ("database is locked"): SQLAlchemy's OperationalError and InterfaceError, a connection it
  invalidated, asyncpg's connection errors, OSError, and PostgreSQL SQLSTATE classes 08, 53, 57P;
- refused: a value the database will not store (SQLSTATE class 22, data exception: a payment
  reference longer than its column on PostgreSQL, say); SQLAlchemy's DataError; a number SQLite
  cannot hold (Python's OverflowError binding it, SQLite's "integer overflow" summing it); a
  violated CHECK, NOT NULL or foreign key (SQLSTATE 23502, 23503, 23514). A unique key violated
  is not among them: that is a race another attempt wins, and the retry finds the winner's row.
"""

from __future__ import annotations

import sqlite3

from asyncpg.exceptions import InterfaceError as AsyncpgInterfaceError
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError

from service.failures import one_line  # noqa: F401 - the name most callers import it by

_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
"""Connection exception; insufficient resources (too many connections); operator intervention (shutdown,
crash, cannot connect now)."""
_REFUSED_SQLSTATES = ("22", "23502", "23503", "23514")
"""Data exception (value too long, out of range, malformed); not null, foreign key, check violation."""
_REFUSED_BY_SQLITE = ("integer overflow", "CHECK constraint failed", "NOT NULL constraint failed",
                      "FOREIGN KEY constraint failed", "string or blob too big")  # fmt: skip
_UNAVAILABLE = (OperationalError, InterfaceError, OSError, sqlite3.OperationalError, AsyncpgInterfaceError)


def _sqlstate(err: BaseException) -> str:
    """PostgreSQL's SQLSTATE: on asyncpg's own errors, or on the driver error SQLAlchemy wrapped."""
    orig = err.orig if isinstance(err, DBAPIError) else err
    return str(getattr(orig, "sqlstate", None) or "")


def store_unavailable(err: BaseException) -> bool:
    """The store cannot be reached or is locked right now: the same request may well succeed later."""
    if store_refused(err):
        return False
    if isinstance(err, _UNAVAILABLE):
        return True
    if isinstance(err, DBAPIError) and err.connection_invalidated:
        return True
    return _sqlstate(err).startswith(_UNAVAILABLE_SQLSTATES)


def store_refused(err: BaseException) -> bool:
    """The database refused the data itself: the same request fails the same way every time."""
    if isinstance(err, DataError | OverflowError) or _sqlstate(err).startswith(_REFUSED_SQLSTATES):
        return True
    orig = err.orig if isinstance(err, DBAPIError) else err
    return isinstance(orig, sqlite3.Error) and str(orig).startswith(_REFUSED_BY_SQLITE)
