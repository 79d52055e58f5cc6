"""The worker's composition root: which workflows and activities it runs, in which sandbox, with which settings.

Only worker.py and the in-process workers (ops/simulation.py, the tests, bench/) import this module: the CLI
and the web service reach the workflow through the client by name (domain/workflow_contract.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.account_store import AccountStoreActivities
from activities.contact import ContactActivities
from activities.holds import HoldActivities
from activities.negotiation import NegotiationActivities
from activities.referral import ReferralActivities
from activities.support import ActivityOutcomes
from channels.email import SmtpSender, sender_from_settings
from service.config import DEFAULT_COMPANY_CONTACT, Settings
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow

WORKFLOWS = [AccountCollectionsWorkflow]


def all_activities(
    sessions: async_sessionmaker[AsyncSession],
    email: SmtpSender | None,
    *,
    company_contact: str = DEFAULT_COMPANY_CONTACT,
    licences: Mapping[str, str] | None = None,
) -> list[Callable[..., Any]]:
    """Every activity the account workflow calls: the worker and the tests register this one list."""
    return [
        *AccountStoreActivities(sessions).all(),
        *ContactActivities(sessions, email, company_contact=company_contact, licences=licences).all(),
        *NegotiationActivities(sessions).all(),
        *ReferralActivities(sessions).all(),
        *HoldActivities(sessions).all(),
    ]


def build_worker(client: Client, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> Worker:
    return Worker(
        client,
        task_queue=settings.collections_task_queue,
        workflows=WORKFLOWS,
        workflow_runner=workflow_runner(),
        activities=all_activities(
            sessions,
            sender_from_settings(settings),
            company_contact=settings.company_contact,
            licences=settings.licences,
        ),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_local_activities=settings.max_concurrent_local_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_concurrent_activity_task_polls=settings.max_concurrent_activity_polls,
        max_concurrent_workflow_task_polls=settings.max_concurrent_workflow_task_polls,
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
        interceptors=[ActivityOutcomes()],
    )
