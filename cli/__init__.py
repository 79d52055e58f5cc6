"""The `starter.py` command line: shared helpers and the command groups beyond the core ones."""
