"""`python -m tests.support.cli ARGS...`: starter.py's CLI, exactly as `python starter.py ARGS...` runs it."""

from __future__ import annotations

from starter import main

if __name__ == "__main__":
    main()
