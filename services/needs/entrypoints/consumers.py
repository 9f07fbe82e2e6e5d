"""Kafka entry point: agency systems' values from needs.indicator-values.<agency>.v1.

Each agency writes only its own topic (Kafka ACLs), and the inbox dead-letters a record
whose payload claims another agency than its topic's (shared/inbox.py), so a value that
reaches this handler is its agency's own, as over HTTP, where a token's agency must match.
The same ``ingest`` as the HTTP endpoint. A refused value raises, so the inbox retries the
batch event by event and dead-letters only the refused events, with the field and rule as
the reason (shared/inbox.py); the rest of the batch is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.needs.application.config import NeedsConfig
from services.needs.application.ingest import Incoming, ingest
from services.needs.application.ports import NeedsUnitOfWork
from shared.contracts.needs import IndicatorValueSubmitted
from shared.envelope import Event
from shared.inbox import BatchHandler
from shared.unit_of_work import UnitOfWork


def when_indicator_values_are_submitted(
    config: NeedsConfig, needs_view: Callable[[UnitOfWork], NeedsUnitOfWork]
) -> BatchHandler:
    """The batch handler for the inbound topic, on the inbox's unit of work."""

    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        items = []
        for event in events:
            if not isinstance(event.payload, IndicatorValueSubmitted):
                raise ValueError(f"type: {event.type} is not accepted on this topic")
            items.append(Incoming(event.payload, event.envelope))
        await ingest(items, needs_view(uow), config, via="kafka")

    return handle
