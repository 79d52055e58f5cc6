"""Helpers shared by the whole test suite."""
