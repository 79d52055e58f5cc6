"""The engine as processes (dev server and worker), shared by every end-to-end test module."""

from tests.e2e.test_operations_end_to_end import engine_processes  # noqa: F401 (a fixture)
