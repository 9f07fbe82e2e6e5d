"""Shared setup for the boards' unit tests: the story applied to in-memory projections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from services.boards.application.projecting import project
from services.boards.domain.documents import Board
from shared.auth import Principal, Role
from shared.envelope import Event
from tests.boards.story import TRUST, events
from tests.boards.unit.fakes import FakeBoards

LOCALITIES = frozenset({"easington", "derwentside", "sedgefield", "durham-chester-le-street"})


async def told(boards: FakeBoards, stream: Sequence[Event[Any]]) -> FakeBoards:
    """Each board's projection takes the events, as its own consumer would."""
    for board in Board:
        await project(stream, board, boards.store(board))
    return boards


@pytest.fixture
async def boards() -> FakeBoards:
    return await told(FakeBoards(), events())


def caller(*roles: Role, locality: str | None = None, provider_id: str | None = None) -> Principal:
    return Principal(
        subject="someone",
        roles=frozenset(roles),
        locality=locality,
        provider_id=provider_id,
        agency="nhs-county-durham" if Role.AGENCY_PUBLISHER in roles else None,
        trust=TRUST,
    )
