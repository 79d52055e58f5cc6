"""Where the debtor may be, on the real path: the store's contact snapshot -> the cadence -> the gate
(Regulation F 1006.6(b)(1)(i) and comment 6(b)(1)(i)-1), and the local times the store records."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.contact_message import snapshot_of
from domain.cadence import ContactDecision, ContactProgress, DecisionKind, clear_step
from domain.contact import Channel, ContactPoint, Rule
from domain.strategy import CadenceStep
from ops.strategies import load_strategy
from store import repository
from store.models import AccountRow, ContactPointRow
from tests.support.accounts import add_account

Sessions = async_sessionmaker[AsyncSession]
PACIFIC, EASTERN = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/New_York")
AT_2030_PACIFIC = datetime(2026, 12, 7, 20, 30, tzinfo=PACIFIC)
"""23:30 in New York."""
NOTICE_SENT = ContactProgress(validation_notice_sent_at=datetime(2026, 11, 2, 17, 0, tzinfo=UTC))
CALL = CadenceStep(channel=Channel.CALL, template="reminder", after_seconds=0)
EMAIL = CadenceStep(channel=Channel.EMAIL, template="reminder", after_seconds=0)


async def gate_says(sessions: Sessions, step: CadenceStep, now: datetime, state: str = "CA") -> ContactDecision:
    """What the cadence decides for `step` from the store's snapshot, as the workflow would (the gate inside)."""
    async with sessions() as session:
        view = await repository.contact_snapshot(session, "A1")
    plan = load_strategy("default").plan_for(segment="card", state=state)
    return clear_step(plan, NOTICE_SENT, snapshot_of(view), step, now)


async def californian_with_a_212_mobile(sessions: Sessions) -> ContactPoint:
    """Account A1: an address in Los Angeles, CA (its zone recorded) and the phone +1 212 555 0100."""
    await add_account(sessions, "A1", timezone="America/Los_Angeles")
    async with sessions() as session, session.begin():
        await session.execute(update(AccountRow).values(city="Los Angeles", state="CA", postal_code="90012"))
    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")
    return next(point for point in snapshot.points if point.kind == "phone")


async def test_a_california_address_and_a_212_mobile_hold_a_2030_pacific_call_until_0800_in_both(
    sessions: Sessions,
) -> None:
    """1006.6(b)(1)(i), comment 6(b)(1)(i)-1: at 20:30 Pacific it is 23:30 Eastern, so the call waits
    until 08:00 Pacific (11:00 Eastern): convenient in every location the information points to."""
    phone = await californian_with_a_212_mobile(sessions)
    assert phone.zones == ["America/Los_Angeles", "America/New_York"]

    called = await gate_says(sessions, CALL, AT_2030_PACIFIC)
    assert (called.kind, called.rule) == (DecisionKind.WAIT, Rule.CALLING_HOURS)
    assert called.at == datetime(2026, 12, 8, 8, 0, tzinfo=PACIFIC)
    assert called.at == datetime(2026, 12, 8, 11, 0, tzinfo=EASTERN)
    emailed = await gate_says(sessions, EMAIL, AT_2030_PACIFIC)
    assert (emailed.kind, emailed.at) == (DecisionKind.WAIT, called.at)
    sent = await gate_says(sessions, CALL, datetime(2026, 12, 8, 8, 0, tzinfo=PACIFIC))
    assert sent.kind == DecisionKind.SEND


async def test_a_guam_number_without_an_address_zone_is_on_guams_clock(sessions: Sessions) -> None:
    """1006.6(b)(1)(i); "State" includes the territories (15 U.S.C. 1692a(8)): a 671 number on an account
    whose address is in Guam gets Guam's zone, so 21:30 and 04:30 there wait until 08:00 there."""
    await add_account(sessions, "A1", timezone=None)
    async with sessions() as session, session.begin():
        await session.execute(update(AccountRow).values(state="GU", city="Hagatna", postal_code="96910"))
    await _set_phone(sessions, "+16715550100")
    async with sessions() as session:
        snapshot = await repository.contact_snapshot(session, "A1")
    assert {point.kind: point.zones for point in snapshot.points}["phone"] == ["Pacific/Guam"]

    guam = ZoneInfo("Pacific/Guam")
    for late_or_early in (datetime(2026, 12, 7, 21, 30, tzinfo=guam), datetime(2026, 12, 8, 4, 30, tzinfo=guam)):
        called = await gate_says(sessions, CALL, late_or_early, state="GU")
        assert (called.kind, called.rule) == (DecisionKind.WAIT, Rule.CALLING_HOURS)
        assert called.at == datetime(2026, 12, 8, 8, 0, tzinfo=guam)


async def test_an_attempt_records_its_local_time_on_the_addresss_clock_and_lists_its_zone(sessions: Sessions) -> None:
    """The attempt's local time (shown by `collections attempts` and the account page) is in the first
    zone, the address's; the rule that refused it saw both."""
    phone = await californian_with_a_212_mobile(sessions)
    async with sessions() as session, session.begin():
        await repository.begin_attempt(
            session, account_id="A1", attempt_no=1, contact_point_id=phone.point_id, channel=Channel.CALL,
            template="reminder", validation_notice=False, now=AT_2030_PACIFIC.astimezone(UTC),
        )  # fmt: skip
    async with sessions() as session:
        attempts = await repository.attempts_for(session, "A1")
        zones = await repository.attempt_zones(session, attempts)
        debtor = await repository.debtor_zones(session, "A1")
    assert attempts[0].local_at == "2026-12-07T20:30:00-08:00"
    assert zones[("A1", 1)] == "America/Los_Angeles"
    assert debtor == ("America/Los_Angeles", "America/New_York")


async def _set_phone(sessions: Sessions, number: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(ContactPointRow).where(ContactPointRow.kind == "phone").values(value=number))
