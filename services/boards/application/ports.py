"""The ports of the boards use cases: each projection's store, and a unit of work holding
the three (the adapters implement them on PostgreSQL; the unit tests on fakes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from services.boards.domain.documents import Board, Document, Kind, StoryLine


class ProjectionStore(Protocol):
    """One projection's tables: its documents and its story."""

    async def get_many(
        self, keys: Sequence[tuple[Kind, str]]
    ) -> Mapping[tuple[Kind, str], Document]:
        """The documents that exist among `keys`, locked for this transaction's update."""
        ...

    async def put_many(self, documents: Sequence[Document]) -> None:
        """Insert or replace each document (one per kind and key)."""
        ...

    async def append_many(self, lines: Sequence[StoryLine]) -> None:
        """Add the lines to the story, in order."""
        ...

    async def documents(self, kind: Kind, locality: str | None = None) -> Sequence[Document]:
        """Every document of a kind, or only those concerning `locality`, by key."""
        ...

    async def story(self, locality: str | None = None, limit: int = 50) -> Sequence[StoryLine]:
        """The latest lines, newest first: all, or only those concerning `locality`."""
        ...


class BoardsUnitOfWork(Protocol):
    """One transaction over the boards' projections."""

    def store(self, board: Board) -> ProjectionStore: ...
