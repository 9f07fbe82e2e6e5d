"""Unit of work: one PostgreSQL transaction holding a state change and its events.

One database API: `uow.connection`, an asyncpg connection inside the transaction, and
`uow.savepoint()` for work that must live or die on its own within it. Services wrap this
platform unit of work in their own (e.g. the needs service's `NeedsUnitOfWork`), whose
repositories are written against `uow.connection`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Self, TypeVar

import asyncpg
from pydantic import BaseModel

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
        self._pool = await self.db.pool()
        self.connection = await self._pool.acquire()
        try:
            self._transaction = self.connection.transaction()
            await self._transaction.start()
        except BaseException:
            await self._pool.release(self.connection)
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
                # A transaction whose COMMIT failed is already over: the pool's reset on
                # release rolls back whatever is left.
                with contextlib.suppress(asyncpg.InterfaceError):
                    await self._transaction.rollback()
        finally:
            await self._pool.release(self.connection)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Run a block whose writes and staged events are undone together if it raises."""
        staged = len(self.outgoing)
        savepoint = self.connection.transaction()
        await savepoint.start()
        try:
            yield
        except BaseException:
            await savepoint.rollback()
            del self.outgoing[staged:]
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
        await stage(self.connection, self.outgoing, schema=self.db.schema)
        await self._transaction.commit()
        self._committed = True
        self.outgoing = []


class ServiceUnitOfWork:
    """A service's unit of work over an open platform `UnitOfWork` (HTTP's or the inbox's):
    a subclass binds its repositories to `self.platform.connection`; its events and its
    commit go to the platform's one transaction, outbox included."""

    def __init__(self, platform: UnitOfWork) -> None:
        self.platform = platform

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        return self.platform.publish(
            payload, subject=subject, locality=locality, caused_by=caused_by
        )

    async def commit(self) -> None:
        await self.platform.commit()


ServiceView = TypeVar("ServiceView", bound=ServiceUnitOfWork)


def service_units_of_work(
    platform: Callable[[], UnitOfWork], view: Callable[[UnitOfWork], ServiceView]
) -> Callable[[], AbstractAsyncContextManager[ServiceView]]:
    """Opens a platform unit of work and hands out the service's view of it."""

    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[ServiceView]:
        async with platform() as uow:
            yield view(uow)

    return open_unit_of_work
