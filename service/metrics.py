"""The engine's own metrics, served with the SDK's on its Prometheus endpoint (METRICS_ADDRESS).

Everything goes through the Temporal runtime's metric meter, so one endpoint carries both:

- counters, incremented by the activities once per effect, after the store's idempotent write said
  the effect was new (a retried or duplicated activity finds it recorded and counts nothing);
  inside an activity the meter is `activity.metric_meter()`, which adds `namespace`, `task_queue`
  and `activity_type` labels (a no-op meter where no metrics are configured, as in unit tests);
- the `collections_accounts{stage}` gauge, set by the worker from one GROUP BY over the store every
  METRICS_REFRESH_SECONDS (store/accounts_gauge.py: this module imports nothing above service/).
"""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.common import MetricMeter

from domain.stages import Stage

log = structlog.get_logger("metrics")

CONTACTS_SENT = "collections_contacts_sent"
CONTACTS_BLOCKED = "collections_contacts_blocked"
PAYMENTS_APPLIED = "collections_payments_applied"
PAYMENTS_APPLIED_CENTS = "collections_payments_applied_cents"
HOLDS_OPENED = "collections_holds_opened"
ACCOUNTS = "collections_accounts"
NOT_STARTED = "not_started"
"""The `stage` label of accounts loaded whose workflow has not started (no stage in the store yet)."""
STAGES = [NOT_STARTED, *(stage.value for stage in Stage)]


def _count(name: str, description: str, amount: int = 1, **labels: str) -> None:
    activity.metric_meter().create_counter(name, description).add(amount, labels)


def contact_sent(channel: str) -> None:
    """A contact went out (an email handed to SMTP) or was queued for the printer, dialer or SMS provider."""
    _count(CONTACTS_SENT, "Contacts sent or queued, by channel", channel=channel)


def contact_blocked(rule: str) -> None:
    """A contact recorded as blocked, by the compliance rule that blocked it."""
    _count(CONTACTS_BLOCKED, "Contacts blocked by the compliance gate or the store, by rule", rule=rule)


def payment_applied(amount_cents: int) -> None:
    """A payment applied to an account's balance (a reference seen before is not)."""
    _count(PAYMENTS_APPLIED, "Payments applied")
    _count(PAYMENTS_APPLIED_CENTS, "Amount of the payments applied, in cents", amount_cents)


def hold_opened(kind: str) -> None:
    """A hold opened on an account, by kind (bankruptcy, deceased, dispute, legal)."""
    _count(HOLDS_OPENED, "Holds opened, by kind", kind=kind)


def metrics_enabled(meter: MetricMeter) -> bool:
    return meter is not MetricMeter.noop
