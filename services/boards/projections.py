"""The three board projections, each named with its consumer group, topics, tables and
batch handler, so that the platform can run, inspect and rebuild each one on its own (the
composition root of the read side, like service.py).

A projection's handler is a deterministic function of its events (their own times, never
the clock); replaying its topics from the first event into empty tables rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.boards.adapters.store import BOARD_TABLES, PostgresProjectionStore, ProjectionTables
from services.boards.application.ports import ProjectionStore
from services.boards.domain.documents import Board
from services.boards.entrypoints.consumers import when_events_arrive
from shared.inbox import BatchHandler
from shared.topics import (
    MONITORING_ALERTS,
    MONITORING_EVENTS,
    NEEDS_EVENTS,
    PROCUREMENT_EVENTS,
    PROJECTS_EVENTS,
)

SERVICE = "boards"


@dataclass(frozen=True, slots=True)
class Projection:
    """One board's read model: what it reads, where it keeps it, and how it applies it."""

    board: Board
    topics: tuple[str, ...]
    tables: ProjectionTables

    @property
    def name(self) -> str:
        """The consumer's name in the service; its Kafka group is `boards.<name>` (with
        the deployment's topic prefix), and its inbox rows are keyed by that group."""
        return self.board.value

    @property
    def consumer_group(self) -> str:
        return f"{SERVICE}.{self.name}"

    def store(
        self, connection: asyncpg.Connection, tables: ProjectionTables | None = None
    ) -> ProjectionStore:
        return PostgresProjectionStore(connection, tables or self.tables)

    def handler(self, tables: ProjectionTables | None = None) -> BatchHandler:
        """The batch handler for the inbox, writing to the projection's tables (or, for a
        rebuild, to `tables` created like them)."""
        return when_events_arrive(self.board, lambda uow: self.store(uow.connection, tables))


ALL_TOPICS = (
    NEEDS_EVENTS.name,
    PROJECTS_EVENTS.name,
    PROCUREMENT_EVENTS.name,
    MONITORING_EVENTS.name,
    MONITORING_ALERTS.name,
)

LOCAL_BOARD = Projection(Board.LOCAL, ALL_TOPICS, BOARD_TABLES[Board.LOCAL])
JCU = Projection(Board.JCU, ALL_TOPICS, BOARD_TABLES[Board.JCU])
EXECUTIVE_BOARD = Projection(
    Board.EXECUTIVE,
    (NEEDS_EVENTS.name, PROJECTS_EVENTS.name, PROCUREMENT_EVENTS.name, MONITORING_ALERTS.name),
    BOARD_TABLES[Board.EXECUTIVE],
)
PROJECTIONS: tuple[Projection, ...] = (LOCAL_BOARD, JCU, EXECUTIVE_BOARD)
BY_BOARD: dict[Board, Projection] = {p.board: p for p in PROJECTIONS}
