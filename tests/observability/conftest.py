"""Fixtures borrowed from the drills: a SQLite store with a short busy timeout, and the engine as processes
with its store on a private PostgreSQL cluster."""

from tests.activities.test_store_failures import quick_sqlite  # noqa: F401 (a fixture)
from tests.reliability.test_postgres_stopped import engine  # noqa: F401 (a fixture)
