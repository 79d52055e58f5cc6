"""The Temporal side of the engine: client connection and the worker with everything registered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.account_store import AccountStoreActivities
from activities.contact import ContactActivities
from activities.holds import HoldActivities
from activities.negotiation import NegotiationActivities
from activities.referral import ReferralActivities
from channels.email import SmtpSender, sender_from_settings
from service.config import DEFAULT_COMPANY_CONTACT, Settings
from workflows import workflow_runner
from workflows.account import AccountCollectionsWorkflow
from workflows.search_attributes import ALL_KEYS

WORKFLOWS = [AccountCollectionsWorkflow]


class TemporalUnavailable(RuntimeError):
    """The Temporal service cannot be reached."""


async def connect(settings: Settings, *, metrics_address: str | None = None) -> Client:
    runtime = None
    if metrics_address:
        runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=metrics_address)))
    try:
        return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace, runtime=runtime)
    except (RuntimeError, RPCError) as err:
        raise TemporalUnavailable(
            f"cannot reach Temporal at {settings.temporal_address} "
            f"(namespace {settings.temporal_namespace}): {str(err).splitlines()[0]}"
        ) from None


def all_activities(
    sessions: async_sessionmaker[AsyncSession],
    email: SmtpSender | None,
    *,
    company_contact: str = DEFAULT_COMPANY_CONTACT,
) -> list[Callable[..., Any]]:
    """Every activity the account workflow calls: the worker and the tests register this one list."""
    return [
        *AccountStoreActivities(sessions).all(),
        *ContactActivities(sessions, email, company_contact=company_contact).all(),
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
        activities=all_activities(sessions, sender_from_settings(settings), company_contact=settings.company_contact),
        max_concurrent_activities=settings.max_concurrent_activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
    )


async def register_search_attributes(client: Client) -> None:
    """The engine's search attributes on a server started without them (the time-skipping server)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in ALL_KEYS},
        )
    )
