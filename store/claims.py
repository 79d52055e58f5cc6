"""Claims on accounts: the account a collector took from the work queue, theirs alone until the claim
expires (not the claims filed in a hold: those are store/holds.py).

Taking one is a single conditional upsert the database decides (INSERT ... ON CONFLICT DO UPDATE ...
WHERE the claim there has expired or is the collector's own ... RETURNING): of two collectors asking at
the same moment, one gets the row and the other gets nothing back and tries the next account. A collector
holds one account at a time: taking another ends their claims on the rest. Each claim taken or released is
in the account's audit log by the collector. The rows stay after a claim ends (`claimed_at`: last taken).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.audit import append_audit
from store.models import AccountClaimRow
from store.views import AccountClaimView, in_chunks, view_of

_CLAIMS = cast(Table, AccountClaimRow.__table__)


async def claim_first(
    session: AsyncSession, account_ids: Sequence[str], *, collector: str, now: datetime, until: datetime
) -> str | None:
    """Claim the first of `account_ids` nobody else holds at `now`, for `collector` until `until`; None if
    every one is held by someone else. The collector's other claims end. In the caller's write transaction."""
    for account_id in account_ids:
        if await _take(session, account_id, collector=collector, now=now, until=until):
            await append_audit(
                session, account_id=account_id, action="claim.taken", detail={"until": until.isoformat()},
                actor=collector, now=now,
            )  # fmt: skip
            await _end_others(session, account_id, collector=collector, now=now)
            return account_id
    return None


async def _take(session: AsyncSession, account_id: str, *, collector: str, now: datetime, until: datetime) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(_CLAIMS) if dialect == "postgresql" else sqlite.insert(_CLAIMS)
    statement = (
        insert.values(account_id=account_id, collector=collector, claimed_at=now, expires_at=until)
        .on_conflict_do_update(
            index_elements=[_CLAIMS.c.account_id],
            set_={"collector": collector, "claimed_at": now, "expires_at": until},
            where=or_(_CLAIMS.c.expires_at <= now, _CLAIMS.c.collector == collector),
        )
        .returning(_CLAIMS.c.account_id)
    )
    return (await session.execute(statement)).first() is not None


async def _end_others(session: AsyncSession, kept: str, *, collector: str, now: datetime) -> None:
    ended = await session.scalars(
        update(_CLAIMS)
        .where(_CLAIMS.c.collector == collector, _CLAIMS.c.account_id != kept, _CLAIMS.c.expires_at > now)
        .values(expires_at=now)
        .returning(_CLAIMS.c.account_id)
    )
    for account_id in sorted(ended):
        await append_audit(
            session, account_id=account_id, action="claim.released", detail={"because": f"took {kept}"},
            actor=collector, now=now,
        )  # fmt: skip


async def release_claim(session: AsyncSession, account_id: str, *, collector: str, now: datetime) -> bool:
    """End `collector`'s claim on the account; False (nothing changed) when they hold none there."""
    ended = await session.scalar(
        update(_CLAIMS)
        .where(_CLAIMS.c.account_id == account_id, _CLAIMS.c.collector == collector, _CLAIMS.c.expires_at > now)
        .values(expires_at=now)
        .returning(_CLAIMS.c.account_id)
    )
    if ended is None:
        return False
    await append_audit(
        session, account_id=account_id, action="claim.released", detail={"because": "released"}, actor=collector,
        now=now,
    )  # fmt: skip
    return True


async def account_claims(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, AccountClaimView]:
    """The accounts' claims, held or ended (`AccountClaimView.held_at`), by account."""
    found: dict[str, AccountClaimView] = {}
    for chunk in in_chunks(list(account_ids)):
        for row in await session.scalars(select(AccountClaimRow).where(AccountClaimRow.account_id.in_(chunk))):
            found[row.account_id] = view_of(AccountClaimView, row)
    return found
