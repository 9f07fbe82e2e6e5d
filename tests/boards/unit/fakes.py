"""In-memory projections for the use cases' unit tests (the adapters are tested on
PostgreSQL in tests/boards/integration)."""

from __future__ import annotations

from collections.abc import Sequence

from services.boards.domain.documents import Board, Document, Kind, StoryLine


class FakeProjectionStore:
    def __init__(self) -> None:
        self.docs: dict[tuple[Kind, str], Document] = {}
        self.lines: list[StoryLine] = []

    async def get(self, kind: Kind, key: str) -> Document | None:
        return self.docs.get((kind, key))

    async def put(self, document: Document) -> None:
        self.docs[(document.kind, document.key)] = document

    async def append(self, line: StoryLine) -> None:
        self.lines.append(line)

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
