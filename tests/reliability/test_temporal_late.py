"""Drill: the worker started while the Temporal service is not up yet.

It must say so while it waits, one warning line per failed try (`temporal.unreachable`: the
address, the error, the attempt and the seconds to the next try, 1 s doubling), and carry on by
itself once the server answers. The giving up, after TEMPORAL_CONNECT_TRIES, is in
tests/e2e/test_bad_input.py.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import Engine, eventually

pytestmark = pytest.mark.e2e


async def test_worker_started_before_the_dev_server(engine: Engine) -> None:
    assert engine.stop_server() == 0
    log = engine.spawn_worker()

    def unreachable(lines: list[dict]) -> list[dict]:
        return [line for line in lines if line["event"] == "temporal.unreachable"]

    waiting = await eventually(
        lambda: engine.worker_log(log), lambda lines: len(unreachable(lines)) >= 2, what="the worker to say it waits"
    )
    await engine.start_server()
    await engine.worker_started(log)

    first, second = unreachable(waiting)[:2]
    assert (first["attempt"], first["retry_in_seconds"], second["attempt"], second["retry_in_seconds"]) == (1, 1, 2, 2)
    for line in (first, second):
        assert (line["level"], line["temporal_address"], line["tries"]) == ("warning", engine.address, 6)
        assert line["error"].startswith("Failed client connect: ") and "Connection refused" in line["error"]
