"""Unit of work: one PostgreSQL transaction holding a state change and its events."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Self

import asyncpg
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts.registry import EventRegistry, registry
from shared.db import Database
from shared.envelope import Envelope
from shared.outbox import OutgoingEvent, stage
from shared.settings import KafkaSettings


class UnitOfWork:
    """`async with UnitOfWork(...) as uow:` change state via `uow.session`, `uow.publish`
    events, then `await uow.commit()`; leaving without a commit rolls everything back."""

    def __init__(
        self,
        db: Database,
        kafka: KafkaSettings,
        *,
        source: str,
        trust: str,
        events: EventRegistry = registry,
    ) -> None:
        self.db = db
        self.kafka = kafka
        self.source = source
        self.trust = trust
        self.events = events
        self.outgoing: list[OutgoingEvent] = []
        self._committed = False
        self._raw: asyncpg.Connection | None = None

    async def __aenter__(self) -> Self:
        self.session: AsyncSession = self.db.sessions()
        await self.session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    async def driver_connection(self) -> asyncpg.Connection:
        """The raw asyncpg connection, inside this unit of work's transaction, for bulk work.

        SQLAlchemy's asyncpg adapter opens its transaction lazily, on the first statement it
        runs itself; statements sent on the raw connection before that would autocommit. So
        a first statement goes through SQLAlchemy before the raw connection is handed out.
        """
        if self._raw is None:
            conn = await self.session.connection()
            await conn.exec_driver_sql("SELECT 1")
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None and raw.is_in_transaction()
            self._raw = raw
        return self._raw

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
        correlation_id: uuid.UUID | None = None,
    ) -> Envelope:
        """Stage an event for the outbox (written at commit); EventTooLarge if oversized."""
        envelope = self.events.envelope(
            payload,
            source=self.source,
            subject=subject,
            trust=caused_by.trust if caused_by else self.trust,
            locality=locality,
            correlation_id=caused_by.correlation_id if caused_by else correlation_id,
            causation_id=caused_by.id if caused_by else None,
        )
        topic = self.events.contract(envelope.type).topic
        self.outgoing.append(
            OutgoingEvent.of(envelope, self.kafka.topic(topic), self.kafka.max_event_bytes)
        )
        return envelope

    async def commit(self) -> None:
        """Write staged events to the outbox and commit, atomically."""
        await stage(self.session, self.outgoing, schema=self.db.schema)
        await self.session.commit()
        self._committed = True
        self.outgoing = []
