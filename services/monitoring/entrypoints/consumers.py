"""Kafka entry points: providers' systems' returns from monitoring.performance-returns.v1,
and the procurement service's contract started/varied/terminated events.

The same `submit_return` as HTTP. A refused return raises, so the inbox retries the batch
event by event and dead-letters only the refused ones, the field and rule as the reason.

Identity: a provider's system may submit only for its own contracts; the record's
`provider_id` must be the contract's provider. Which Kafka principal may write a given
provider_id is the broker's ACLs' job until inbound topics are split per producer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.monitoring.application.evaluation import Clock
from services.monitoring.application.ports import MonitoringUnitOfWork
from services.monitoring.application.procurement_events import take_procurement_events
from services.monitoring.application.returns import submit_return
from shared.contracts.monitoring import PerformanceReturn
from shared.envelope import Event
from shared.failpoints import MONITORING_RETURN_APPLIED, failpoint
from shared.inbox import BatchHandler
from shared.trust import MonitoringRules, TrustConfig
from shared.unit_of_work import UnitOfWork


def when_returns_are_submitted(
    rules: MonitoringRules, clock: Clock, view: Callable[[UnitOfWork], MonitoringUnitOfWork]
) -> BatchHandler:
    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        monitoring = view(uow)
        for event in events:
            if not isinstance(event.payload, PerformanceReturn):
                raise ValueError(f"type: {event.type} is not accepted on this topic")
            await submit_return(
                event.payload,
                monitoring,
                rules,
                clock,
                actor=f"kafka:{event.envelope.source}",
                provider=None,
                via="kafka",
                caused_by=event.envelope,
            )
            failpoint(MONITORING_RETURN_APPLIED)
        # The inbox commits next: the alert events are written last (see PostgresAlertFeed).
        await monitoring.feed.flush()

    return handle


def when_contracts_change(
    trust: TrustConfig, view: Callable[[UnitOfWork], MonitoringUnitOfWork]
) -> BatchHandler:
    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await take_procurement_events(events, view(uow), trust)

    return handle
