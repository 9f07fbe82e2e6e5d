"""Kafka entry points, through the inbox: the needs service's events into this service's
own projection (never the needs schema), and the procurement service's contract awards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.projects.application.needs_events import take_needs_events
from services.projects.application.ports import ProjectsUnitOfWork
from services.projects.application.procurement_events import take_procurement_events
from shared.envelope import Event
from shared.inbox import BatchHandler
from shared.unit_of_work import UnitOfWork


def when_needs_are_published(
    projects_view: Callable[[UnitOfWork], ProjectsUnitOfWork],
) -> BatchHandler:
    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await take_needs_events(events, projects_view(uow))

    return handle


def when_contracts_are_awarded(
    projects_view: Callable[[UnitOfWork], ProjectsUnitOfWork],
) -> BatchHandler:
    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await take_procurement_events(events, projects_view(uow))

    return handle
