"""Failed sign-ins and bad tokens, counted per client address: too many in a minute and the address waits.

In-process: each web process counts its own (a restart forgets), which bounds guessing per process.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

FAILURES = 5
WINDOW_SECONDS = 60.0
ADDRESSES = 10_000  # the most addresses remembered at once (a flood of addresses cannot grow it without bound)


class Throttle:
    def __init__(self, *, failures: int = FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._limit, self._window, self._clock = failures, window, clock
        self._failures: dict[str, deque[float]] = {}

    def wait(self, address: str) -> int:
        """Seconds `address` must wait before its next try (0: it may try now)."""
        times = self._recent(address)
        if len(times) < self._limit:
            return 0
        return max(1, math.ceil(times[-self._limit] + self._window - self._clock()))

    def failed(self, address: str) -> None:
        self._failures[address] = self._recent(address)
        self._failures[address].append(self._clock())
        if len(self._failures) > ADDRESSES:  # forget the address that failed first
            del self._failures[next(iter(self._failures))]

    def _recent(self, address: str) -> deque[float]:
        times = self._failures.get(address, deque(maxlen=self._limit))
        while times and times[0] <= self._clock() - self._window:
            times.popleft()
        return times
