"""A dev server whose database predates a search attribute gets it registered, once."""

from __future__ import annotations

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from domain import workflow_contract as sa
from service.dev_server import SERVER_STARTUP_TIMEOUT, bundled_executable
from service.temporal import register_missing_search_attributes


async def test_only_the_missing_search_attributes_are_registered() -> None:
    older = tuple(key for key in sa.ALL_KEYS if key != sa.NEEDS_ATTENTION)
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=str(bundled_executable("temporal")),
        search_attributes=older,
        dev_server_log_level="error",
    )
    try:
        added = await register_missing_search_attributes(env.client)
        again = await register_missing_search_attributes(env.client)
        listed = await env.client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=env.client.namespace)
        )
    finally:
        await env.shutdown()
    assert (added, again) == (["NeedsAttention"], [])
    assert {key.name for key in sa.ALL_KEYS} <= set(listed.custom_attributes)
