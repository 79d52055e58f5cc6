"""Business refusals and faults of the code, as the workflow hears of them (activities.support.store_activity):
a refusal is final at once, a bare ValueError, KeyError or TypeError is a fault and goes to the retry policy."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.holds import HoldActivities
from domain.hold_messages import FileClaimInput, HoldRecordInput, WriteOffInput
from store import repository
from store.errors import UnknownAccount
from tests.support.accounts import add_account
from workflows.account import STORE_RETRY

Sessions = async_sessionmaker[AsyncSession]


@pytest.mark.parametrize("fault", [ValueError("bad arithmetic"), KeyError("detail"), TypeError("None + int")])
async def test_a_fault_in_a_store_function_goes_up_as_itself_and_is_retried(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch, fault: Exception
) -> None:
    await add_account(sessions, "A1", balance_cents=5_000)

    async def broken(*_args: object, **_kwargs: object) -> int:
        raise fault

    monkeypatch.setattr(repository, "write_off", broken)
    with pytest.raises(type(fault)) as raised:
        await ActivityEnvironment().run(HoldActivities(sessions).write_off, WriteOffInput("A1", "discharged"))

    assert raised.value is fault and not isinstance(raised.value, ApplicationError), "not turned into a refusal"
    assert type(fault).__name__ not in (STORE_RETRY.non_retryable_error_types or []), "the retry policy retries it"


async def test_a_refusal_in_the_same_place_is_final_at_once(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refusing(*_args: object, **_kwargs: object) -> int:
        raise UnknownAccount("unknown account A1")

    monkeypatch.setattr(repository, "write_off", refusing)
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(HoldActivities(sessions).write_off, WriteOffInput("A1", "discharged"))

    assert (refused.value.type, refused.value.non_retryable, refused.value.message) == (
        "UnknownAccount", True, "unknown account A1"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (FileClaimInput("A1", "BK-1", "proof_of_claim", 5_000, "next month"), "a claim's deadline 'next month'"),
        (FileClaimInput("A1", "BK-1", "lien", 5_000, "2026-03-01"), "a claim is one of"),
        (HoldRecordInput("A1", "BK-1", "volcano", "placed"), "a hold is one of"),
    ],
)
async def test_a_request_the_store_refuses_is_refused_once_and_changes_nothing(
    sessions: Sessions, request_: object, message: str
) -> None:
    await add_account(sessions, "A1", balance_cents=5_000)
    activities = HoldActivities(sessions)
    method = activities.file_claim if isinstance(request_, FileClaimInput) else activities.record_hold

    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(method, request_)

    assert (refused.value.type, refused.value.non_retryable) == ("Refused", True)
    assert refused.value.message.startswith(message) and "\n" not in refused.value.message
    async with sessions() as session:
        assert await repository.claims_for(session, "A1") == [] and await repository.holds_for(session, "A1") == []
        actions = [entry.action for entry in await repository.audit_trail(session, "A1")]
    assert not [action for action in actions if action.startswith(("hold.", "claim."))], actions
