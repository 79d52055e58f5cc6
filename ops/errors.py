"""Refusals at the edge: one line for the person at the terminal, nothing changed."""


class OpsError(Exception):
    """A request that was refused before anything changed."""
