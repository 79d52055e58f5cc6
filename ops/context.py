"""The connections one CLI command needs, opened once and closed on the way out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from domain.strategy import ContactPlan, Strategy
from ops.strategies import load_strategy
from service.config import Settings
from service.temporal import connect
from store.db import ensure_schema, make_engine, make_session_factory


@dataclass
class OpsContext:
    settings: Settings
    client: Client
    sessions: async_sessionmaker[AsyncSession]
    strategy: Strategy | None = None

    def plan_for(self, *, segment: str, state: str) -> ContactPlan:
        if self.strategy is None:
            self.strategy = load_strategy(self.settings.collections_strategy)
        return self.strategy.plan_for(segment=segment, state=state)


@asynccontextmanager
async def open_context(settings: Settings) -> AsyncIterator[OpsContext]:
    strategy = load_strategy(settings.collections_strategy)
    await ensure_schema(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        client = await connect(settings)
        yield OpsContext(settings, client, make_session_factory(engine), strategy)
    finally:
        await engine.dispose()
