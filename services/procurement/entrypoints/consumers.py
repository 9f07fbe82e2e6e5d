"""Kafka entry point: the projects service's stage-6 hand-overs, through the inbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.procurement.application.common import ProcurementConfig
from services.procurement.application.ports import Clock, ProcurementUnitOfWork
from services.procurement.application.project_events import take_project_events
from shared.envelope import Event
from shared.inbox import BatchHandler
from shared.unit_of_work import UnitOfWork


def when_projects_hand_over(
    procurement_view: Callable[[UnitOfWork], ProcurementUnitOfWork],
    config: ProcurementConfig,
    clock: Clock,
) -> BatchHandler:
    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await take_project_events(events, procurement_view(uow), config, clock)

    return handle
