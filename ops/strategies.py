"""Finding and loading strategy files: a path, or the name of one shipped in the `strategies` package."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from domain.strategy import Strategy, StrategyError
from domain.strategy_file import parse_strategy
from ops.errors import OpsError

# Package data (pyproject.toml), so an installed engine finds them from any directory, editable or not.
STRATEGY_DIR = Path(str(files("strategies")))


def strategy_path(spec: str) -> Path:
    """`demo` means the shipped demo.toml (strategies/demo.toml in a checkout); anything with a slash
    or a .toml suffix is a path."""
    if "/" in spec or spec.endswith(".toml"):
        return Path(spec)
    return STRATEGY_DIR / f"{spec}.toml"


def load_strategy(spec: str) -> Strategy:
    path = strategy_path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        shipped = ", ".join(sorted(p.stem for p in STRATEGY_DIR.glob("*.toml")))
        raise StrategyError(f"cannot read strategy {path}: {err.strerror} (shipped: {shipped})") from None
    except UnicodeDecodeError as err:
        raise StrategyError(f"{path}: not a strategy file (not UTF-8 text: byte {err.start})") from None
    return parse_strategy(text, source=str(path))


def known_agency(strategy: Strategy, agency: str) -> str:
    """`agency` if the strategy's referral table names it, else a one-line OpsError."""
    known = sorted(a.agency_id for a in strategy.referral.agencies)
    if agency not in known:
        raise OpsError(f"unknown agency {agency!r}: the strategy names {', '.join(known) or 'none'}; nothing changed")
    return agency
