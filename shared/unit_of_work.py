"""Unit of work: one PostgreSQL transaction holding a state change and its events.

One database API: `uow.connection`, an asyncpg connection inside the transaction, and
`uow.savepoint()` for work that must live or die on its own within it. (`uow.session`, a
SQLAlchemy ORM session on the same connection and transaction, remains only until the
needs service's adapters move to the connection.)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

import asyncpg
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts.registry import EventRegistry, registry
from shared.db import Database
from shared.envelope import Envelope
from shared.outbox import OutgoingEvent, stage
from shared.settings import KafkaSettings
from shared.topics import topic_for


class UnitOfWork:
    """`async with UnitOfWork(...) as uow:` change state through `uow.connection`,
    `uow.publish` events, then `await uow.commit()`; leaving without a commit rolls
    everything back."""

    connection: asyncpg.Connection
    session: AsyncSession

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

    async def __aenter__(self) -> Self:
        self.session = self.db.sessions()
        await self.session.begin()
        try:
            # SQLAlchemy's asyncpg adapter opens its transaction lazily, on the first
            # statement it runs itself; statements sent on the driver connection before
            # that would autocommit. So one statement goes through SQLAlchemy first.
            conn = await self.session.connection()
            await conn.execute(text("SELECT 1"))
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None and raw.is_in_transaction()
            self.connection = raw
        except BaseException:
            await self.session.close()
            raise
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
        """The same connection as `uow.connection` (kept for callers not yet moved)."""
        return self.connection

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Run a block whose writes and staged events are undone together if it raises.

        The SAVEPOINT is issued on the connection before the block runs (SQLAlchemy's
        `begin_nested()` on a session defers it to the session's next statement, so
        writes sent on the driver connection first would escape it).
        """
        await self.session.flush()
        staged = len(self.outgoing)
        savepoint = self.connection.transaction()
        await savepoint.start()
        try:
            yield
            await self.session.flush()
        except BaseException:
            await savepoint.rollback()
            del self.outgoing[staged:]
            # Objects added in the block must not be flushed later, outside the savepoint.
            self.session.expunge_all()
            raise
        await savepoint.commit()

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
        topic = topic_for(
            self.events.contract(envelope.type).topic, getattr(payload, "agency", None)
        )
        self.outgoing.append(
            OutgoingEvent.of(envelope, self.kafka.topic(topic), self.kafka.max_event_bytes)
        )
        return envelope

    async def commit(self) -> None:
        """Write staged events to the outbox and commit, atomically."""
        await self.session.flush()
        await stage(self.connection, self.outgoing, schema=self.db.schema)
        await self.session.commit()
        self._committed = True
        self.outgoing = []
