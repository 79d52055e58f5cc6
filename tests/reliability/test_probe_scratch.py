from __future__ import annotations

import time

import pytest

from tests.reliability.conftest import Engine, portfolio_csv, utc_now

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("slots", ["1", "2", "100"])
async def test_probe(engine: Engine, tmp_path, slots) -> None:
    engine.kill_worker()
    t0 = time.monotonic()
    text, portfolio = portfolio_csv("K", 20, utc_now())
    (tmp_path / "a.csv").write_text(text)
    assert (await engine.cli("load", str(tmp_path / "a.csv"))).returncode == 0
    done = await engine.cli("start", "--all-past-due")
    print("started", time.monotonic() - t0, done.stdout, done.stderr)
    await engine.start_worker(MAX_CONCURRENT_ACTIVITIES=slots)
    print("worker", time.monotonic() - t0)
    seen = []
    for _ in range(2000):
        attempts = await engine.attempts()
        n = len({a.account_id for a in attempts})
        if not seen or seen[-1][1] != n:
            seen.append((round(time.monotonic() - t0, 2), n))
        if n == 20:
            break
    print(slots, seen)
