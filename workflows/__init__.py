"""The account workflow: the interpreter of the machine in domain/machine.py (only the worker imports it)."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = ("domain",)
"""Pure modules the sandbox shares instead of re-importing. Also needed so that type hints of
dataclasses nested in workflow state (domain.cadence, domain.contact, ...) resolve when decoded."""


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox every worker runs workflows in; the holiday calendar is computed first, outside it."""
    from domain import business_days  # noqa: PLC0415 (only when a worker is built)

    business_days.warm()
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH))
