"""The store's reads and writes, in one place for callers.

Every function takes an AsyncSession whose transaction the caller owns
(`async with session.begin():`); writes only flush. Time always comes from the caller,
and what comes back is a frozen value from store.views, never an ORM row.
"""

from __future__ import annotations

from store.accounts import (
    account_ids_by_stage,
    closing_state,
    contact_points_for,
    get_account,
    get_accounts,
    past_due_account_ids,
    set_stage,
    stages_reached,
)
from store.attempts import (
    abandon_attempt,
    attempt_zones,
    attempts_for,
    begin_attempt,
    finish_attempt,
    get_attempt,
    record_blocked_attempt,
    record_inbound_contact,
    set_attempt_outcome,
)
from store.audit import append_audit, audit_trail, latest_action
from store.claims import account_claims, claim_first, release_claim
from store.contacts import (
    add_attorney,
    contact_snapshot,
    debtor_zones,
    find_contact_point,
    get_contact_point,
    set_attorney_allows_contact,
    set_cease_communication,
    set_point_flags,
)
from store.holds import (
    adjust_balance,
    claims_for,
    close_hold,
    file_claim,
    holds_for,
    open_hold,
    open_hold_once,
    update_hold,
    write_off,
)
from store.loading import upsert_accounts
from store.notes import add_note, mark_reminder_done, notes_for, reminders_due
from store.outbox import enqueue_outbox, export_outbox, outbox_entries
from store.payments import payment_by_reference, payments_for, record_payment
from store.placements import (
    accrue_commission,
    active_placement,
    export_placements,
    place_account,
    placement_counts,
    placements_for,
    recall_placement,
)
from store.plans import (
    create_plan,
    end_plan,
    get_plan,
    plans_for,
    record_installments,
    reopen_plan,
    settle_account,
)
from store.promises import promises_due, promises_for, record_promise, reopen_promises, resolve_promise

__all__ = [
    "account_claims",
    "abandon_attempt",
    "account_ids_by_stage",
    "accrue_commission",
    "active_placement",
    "add_attorney",
    "add_note",
    "adjust_balance",
    "append_audit",
    "attempt_zones",
    "attempts_for",
    "audit_trail",
    "begin_attempt",
    "claim_first",
    "claims_for",
    "close_hold",
    "contact_points_for",
    "contact_snapshot",
    "debtor_zones",
    "create_plan",
    "end_plan",
    "enqueue_outbox",
    "export_outbox",
    "export_placements",
    "file_claim",
    "find_contact_point",
    "finish_attempt",
    "get_account",
    "get_accounts",
    "get_attempt",
    "get_contact_point",
    "get_plan",
    "holds_for",
    "latest_action",
    "notes_for",
    "mark_reminder_done",
    "open_hold",
    "open_hold_once",
    "outbox_entries",
    "past_due_account_ids",
    "payment_by_reference",
    "payments_for",
    "place_account",
    "placement_counts",
    "placements_for",
    "promises_due",
    "plans_for",
    "promises_for",
    "recall_placement",
    "release_claim",
    "reminders_due",
    "record_blocked_attempt",
    "record_inbound_contact",
    "record_installments",
    "reopen_plan",
    "reopen_promises",
    "record_payment",
    "record_promise",
    "resolve_promise",
    "set_attempt_outcome",
    "set_attorney_allows_contact",
    "set_cease_communication",
    "set_point_flags",
    "closing_state",
    "set_stage",
    "stages_reached",
    "settle_account",
    "update_hold",
    "upsert_accounts",
    "write_off",
]
