"""Kafka entry point: the needs service's events, through the inbox, into this service's
own projection (never the needs schema)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.projects.application.needs_events import take_needs_events
from services.projects.application.ports import ProjectsUnitOfWork
from shared.envelope import Event
from shared.inbox import BatchHandler
from shared.unit_of_work import UnitOfWork


def when_needs_are_published(
    projects_view: Callable[[UnitOfWork], ProjectsUnitOfWork],
) -> BatchHandler:
    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await take_needs_events(events, projects_view(uow))

    return handle
