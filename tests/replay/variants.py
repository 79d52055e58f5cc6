"""The account workflow as the NeedsAttention change would look without its guard, and after its cleanup.

Only for tests/replay: they prove that `workflow.patched` is what lets histories recorded before the change
replay, and that `workflow.deprecate_patch` (not deleting the guard) is the way to retire it. A module of its
own, importable by the workflow sandbox, as a workflow class must be.
"""

from __future__ import annotations

from temporalio import workflow

from domain.messages import AccountWorkflowInput, AccountWorkflowResult
from workflows.account import ATTENTION_PATCH, AccountCollectionsWorkflow


@workflow.defn(name="AccountCollectionsWorkflow")
class WithoutAttentionGuard(AccountCollectionsWorkflow):
    """The publisher started in every run, old or new, with no patch call at all."""

    @workflow.run
    async def run(self, request: AccountWorkflowInput) -> AccountWorkflowResult:
        return await super().run(request)

    def _publishes_attention(self) -> bool:
        return True


@workflow.defn(name="AccountCollectionsWorkflow")
class AttentionPatchDeprecated(AccountCollectionsWorkflow):
    """The cleanup's first step: `deprecate_patch` and the publisher unconditionally."""

    @workflow.run
    async def run(self, request: AccountWorkflowInput) -> AccountWorkflowResult:
        return await super().run(request)

    def _publishes_attention(self) -> bool:
        workflow.deprecate_patch(ATTENTION_PATCH)
        return True


@workflow.defn(name="AccountCollectionsWorkflow")
class BeforeAttention(AccountCollectionsWorkflow):
    """The workflow as it was before the change: no patch call, nothing published. It records the histories
    of tests/histories/before-attention/ (`python -m tests.histories.record --before-attention`)."""

    @workflow.run
    async def run(self, request: AccountWorkflowInput) -> AccountWorkflowResult:
        return await super().run(request)

    def _publishes_attention(self) -> bool:
        return False
