"""A Local Children's Board's view of its locality."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from services.boards.application.local_board import local_board, local_story
from services.boards.application.views import LocalBoardView, StoryView
from services.boards.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.boards.entrypoints.http.wiring import DEFAULT_LIMIT, Caller, Limit, Wiring

Locality = Annotated[
    str,
    Path(
        min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$", description="A locality id."
    ),
]


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/boards/local", tags=["local boards"])

    @router.get(
        "/{locality}",
        summary="A locality's board: needs, vulnerable groups, projects, procurements, "
        "contracts with RAG and open alerts (its own board members, and trust-wide roles)",
        responses=errors(*AUTHENTICATED, 404),
    )
    async def board(locality: Locality, principal: Caller) -> LocalBoardView:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await local_board(uow, principal, locality, wiring.localities)

    @router.get(
        "/{locality}/story",
        summary="What happened in the locality, newest first",
        responses=errors(*AUTHENTICATED, 404),
    )
    async def story(
        locality: Locality, principal: Caller, limit: Limit = DEFAULT_LIMIT
    ) -> list[StoryView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await local_story(uow, principal, locality, wiring.localities, limit)

    return router
