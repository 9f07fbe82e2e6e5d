"""In-memory projections for the use cases' unit tests (the adapters are tested on
PostgreSQL in tests/boards/integration)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.boards.domain.documents import Board, Document, Kind, StoryLine


class FakeProjectionStore:
    def __init__(self) -> None:
        self.docs: dict[tuple[Kind, str], Document] = {}
        self.lines: list[StoryLine] = []

    async def get(self, kind: Kind, key: str) -> Document | None:
        """For the tests: one document as it stands."""
        return self.docs.get((kind, key))

    async def get_many(
        self, keys: Sequence[tuple[Kind, str]]
    ) -> Mapping[tuple[Kind, str], Document]:
        return {k: self.docs[k] for k in keys if k in self.docs}

    async def put_many(self, documents: Sequence[Document]) -> None:
        for d in documents:
            self.docs[(d.kind, d.key)] = d

    async def append_many(self, lines: Sequence[StoryLine]) -> None:
        self.lines.extend(lines)

    async def documents(self, kind: Kind, locality: str | None = None) -> Sequence[Document]:
        return [
            d
            for (k, key), d in sorted(self.docs.items())
            if k is kind and (locality is None or locality in d.localities)
        ]

    async def story(self, locality: str | None = None, limit: int = 50) -> Sequence[StoryLine]:
        mine = [s for s in self.lines if locality is None or locality in s.localities]
        return list(reversed(mine))[:limit]


class FakeBoards:
    """The boards' unit of work over three in-memory projections."""

    def __init__(self) -> None:
        self.stores = {board: FakeProjectionStore() for board in Board}

    def store(self, board: Board) -> FakeProjectionStore:
        return self.stores[board]
