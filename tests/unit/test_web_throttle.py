"""web/throttle.py: five failures a minute per address, then that address waits; others do not."""

from __future__ import annotations

from web.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_fifth_failure_in_a_minute_makes_the_address_wait_until_the_first_is_a_minute_old() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    for second in range(5):
        assert throttle.wait("198.51.100.7") == 0
        clock.now = 1000.0 + second * 10
        throttle.failed("198.51.100.7")
    assert throttle.wait("198.51.100.7") == 20  # the first failure (at 1000) is a minute old at 1060
    assert throttle.wait("198.51.100.8") == 0, "another address is not affected"
    clock.now = 1059.5
    assert throttle.wait("198.51.100.7") == 1
    clock.now = 1060.0
    assert throttle.wait("198.51.100.7") == 0, "four failures within the last minute"


def test_the_addresses_remembered_are_bounded() -> None:
    clock = Clock()
    throttle = Throttle(clock=clock)
    for n in range(10_050):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(throttle._failures) == 10_000
    assert throttle.wait("10.0.39.65") == 0 and "10.0.0.0" not in throttle._failures
