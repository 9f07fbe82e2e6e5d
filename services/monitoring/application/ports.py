"""The ports the monitoring use cases depend on: repositories and a unit of work over
domain objects. Adapters implement them on PostgreSQL; unit tests implement them in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel

from services.monitoring.domain.lifecycle import Alert
from shared.contracts.monitoring import Audience, MonitoredContract, PerformanceReturn
from shared.envelope import Envelope


class StoreOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    """The same revision with the same content was already held: nothing changed."""
    CONFLICT = "conflict"
    """The same revision was already held with different content: refused."""


@dataclass(frozen=True)
class StoredReturn:
    """One revision of a return and how it arrived (the provider's audit trail)."""

    performance_return: PerformanceReturn
    received_via: str
    received_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """Who did what, when and why."""

    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    at: datetime | None = None


class ContractRepository(Protocol):
    async def get(self, contract_id: str) -> MonitoredContract | None: ...

    async def save(self, contract: MonitoredContract) -> None:
        """Store a new contract or a variation of it (every version is kept)."""

    async def find(
        self, *, locality: str | None = None, provider_id: str | None = None
    ) -> list[MonitoredContract]:
        """Current versions, optionally of one locality's or one provider's contracts."""

    async def all_current(self) -> list[MonitoredContract]: ...

    async def versions(self, contract_id: str) -> list[MonitoredContract]:
        """Every version, oldest first: variations never lose what was agreed before."""


class ReturnRepository(Protocol):
    async def lock(self, contract_id: str) -> None:
        """Serialise returns for the contract until the unit of work ends, so that each
        assessment sees every return committed before it."""

    async def add(self, performance_return: PerformanceReturn, *, via: str) -> StoreOutcome: ...

    async def current(self, contract_id: str) -> list[PerformanceReturn]:
        """The highest revision of each period's return, in period order."""

    async def history(self, contract_id: str, period: str) -> list[StoredReturn]:
        """Every revision of a period's return, oldest first."""


class AlertRepository(Protocol):
    async def add(self, alert: Alert) -> bool:
        """Store a new alert; False (and nothing stored) if its identity is already held."""

    async def save(self, alert: Alert) -> None: ...

    async def get(self, alert_id: uuid.UUID) -> Alert | None: ...

    async def find(
        self,
        *,
        contract_id: str | None = None,
        audiences: Sequence[Audience] | None = None,
        locality: str | None = None,
    ) -> list[Alert]:
        """Newest first; filtered by contract, audiences and (for local boards) locality."""


class AuditRepository(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...

    async def find(self, subject: str | None) -> list[AuditEntry]: ...


@dataclass(frozen=True)
class FeedEntry:
    """An alert event as the channels carry it: `seq` orders it (and is its SSE id)."""

    seq: int
    event_id: uuid.UUID
    event_type: str
    audience: Audience
    locality: str | None
    severity: str
    body: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True)
class Subscription:
    """A board's webhook. A local board's is pinned to its locality; `severities` empty
    means every severity."""

    subscription_id: uuid.UUID
    audience: Audience
    locality: str | None
    severities: tuple[str, ...]
    url: str
    secret: str
    created_by: str


@dataclass(frozen=True)
class Delivery:
    """One alert event due to one webhook."""

    delivery_id: int
    subscription: Subscription
    entry: FeedEntry
    attempts: int


class AlertFeed(Protocol):
    async def append(
        self, payload: BaseModel, *, audience: Audience, locality: str | None, severity: str
    ) -> None:
        """Stage an alert event; `flush` records it and queues it for every matching
        webhook, in the same transaction as the alert (the delivery outbox)."""

    async def flush(self) -> Sequence[int]:
        """Write what was staged (just before the commit); the feed sequence numbers."""

    async def after(
        self, seq: int, *, audiences: Sequence[Audience], locality: str | None, limit: int
    ) -> list[FeedEntry]:
        """Entries after `seq` for the audiences; LOCAL_BOARD only of `locality`."""


class SubscriptionRepository(Protocol):
    async def add(self, subscription: Subscription) -> None: ...

    async def find(self, audience: Audience | None, locality: str | None) -> list[Subscription]:
        """Subscriptions of an audience (a local board's: of its locality); None: all."""

    async def get(self, subscription_id: uuid.UUID) -> Subscription | None: ...

    async def redrive(self, subscription_id: uuid.UUID) -> int:
        """Put its parked deliveries back in the queue; how many."""


class MonitoringUnitOfWork(Protocol):
    """One transaction over the repositories and the events published with it."""

    @property
    def contracts(self) -> ContractRepository: ...

    @property
    def returns(self) -> ReturnRepository: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def feed(self) -> AlertFeed: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[MonitoringUnitOfWork]]


class DeliveryQueue(Protocol):
    """The webhook delivery outbox, worked outside any request (its own transactions)."""

    async def claim(self, limit: int, lease_seconds: float) -> list[Delivery]:
        """Due deliveries, leased so that no other worker sends them meanwhile."""

    async def delivered(self, delivery_ids: Sequence[int]) -> None: ...

    async def failed(self, delivery_id: int, *, error: str, retry_in_seconds: float | None) -> None:
        """Record a failure; retry after the delay, or park it (None)."""


class WebhookSender(Protocol):
    async def send(self, subscription: Subscription, entry: FeedEntry) -> str | None:
        """POST the signed event; None on a 2xx, otherwise why it failed."""
