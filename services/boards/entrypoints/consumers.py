"""Kafka entry points: each board's projection is its own consumer group, through the
inbox (one transaction per batch with the inbox rows, so each event is applied once)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.boards.application.ports import ProjectionStore
from services.boards.application.projecting import project
from services.boards.domain.documents import Board
from shared.envelope import Event
from shared.inbox import BatchHandler
from shared.unit_of_work import UnitOfWork


def when_events_arrive(
    board: Board, store: Callable[[UnitOfWork], ProjectionStore]
) -> BatchHandler:
    """The batch handler of `board`'s projection, writing through `store` (the inbox's
    transaction's view of the projection's tables)."""

    async def handle(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        await project(events, board, store(uow))

    return handle
