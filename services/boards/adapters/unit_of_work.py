"""The boards unit of work on PostgreSQL: the platform's transaction with each projection's
store bound to its connection."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from services.boards.adapters.store import BOARD_TABLES, PostgresProjectionStore
from services.boards.application.ports import BoardsUnitOfWork, ProjectionStore
from services.boards.domain.documents import Board
from shared.unit_of_work import ServiceUnitOfWork, UnitOfWork, service_units_of_work


class PostgresBoardsUnitOfWork(ServiceUnitOfWork):
    """`BoardsUnitOfWork` over an open platform `UnitOfWork`."""

    def __init__(self, platform: UnitOfWork) -> None:
        super().__init__(platform)
        self._stores = {
            b: PostgresProjectionStore(platform.connection, t) for b, t in BOARD_TABLES.items()
        }

    def store(self, board: Board) -> ProjectionStore:
        return self._stores[board]


def unit_of_work_factory(
    platform: Callable[[], UnitOfWork],
) -> Callable[[], AbstractAsyncContextManager[BoardsUnitOfWork]]:
    """Opens a platform unit of work and hands out the boards view of it."""
    return service_units_of_work(platform, PostgresBoardsUnitOfWork)
