"""A bounded schemathesis run against the API's own OpenAPI document (issue 13): no 500, only JSON.

`starter.py web` runs as a process next to the dev server and worker.py (tests/web/conftest.py); each
operation in /api/openapi.json gets a few generated requests with a supervisor's token, every answer
checked here. (schemathesis's lazy pytest loader does not run on pytest 9, so the operations are walked
with its Python API: one hypothesis run per operation.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.web.conftest import WebService

pytestmark = pytest.mark.e2e
EXAMPLES = 15  # per operation: about 10 s idle (30 took 21 s), bounded on a loaded two-core machine


def test_no_operation_answers_500_or_anything_but_json(web_service: WebService) -> None:
    supervisor = {"Authorization": f"Bearer {web_service.tokens['alice']}"}
    schema = schemathesis.openapi.from_url(f"{web_service.url}/api/openapi.json", headers=supervisor)
    wrong: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [op.label for op in operations]

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
            phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def answers_json(case: schemathesis.Case) -> None:
            response = case.call(headers=supervisor, timeout=60)
            where = f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]!r}"
            json_answer = response.headers.get("content-type", [""])[0].startswith("application/json")
            if response.status_code >= 500 or not json_answer:
                wrong.append(where)
            elif response.status_code >= 400 and set(response.json()) != {"error"}:
                wrong.append(f"{where} (not one line)")

        answers_json()
    assert not wrong, "\n".join(sorted(set(wrong)))
