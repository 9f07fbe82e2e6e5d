"""The Children's Executive Board's view: outcomes, money and what awaits its decision
(trust-wide roles)."""

from __future__ import annotations

from fastapi import APIRouter

from services.boards.application import executive
from services.boards.application.views import (
    AlertView,
    OutcomeScorecard,
    PriorityProgress,
    ProjectView,
    SelfEvaluationView,
    SpendView,
    StoryView,
)
from services.boards.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.boards.entrypoints.http.wiring import DEFAULT_LIMIT, Caller, Limit, Wiring


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/boards/executive", tags=["Executive Board"])
    documented = errors(*AUTHENTICATED)

    @router.get(
        "/plan", summary="Annual Commissioning Plan progress by priority", responses=documented
    )
    async def plan(principal: Caller) -> list[PriorityProgress]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await executive.plan_progress(uow, principal)

    @router.get(
        "/scorecard",
        summary="Outcome scorecard: indicators against benchmark, with trend",
        responses=documented,
    )
    async def scorecard(principal: Caller) -> list[OutcomeScorecard]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await executive.scorecard(uow, principal)

    @router.get(
        "/escalations", summary="Escalations awaiting the board's decision", responses=documented
    )
    async def escalations(principal: Caller) -> list[AlertView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await executive.escalations(uow, principal)

    @router.get(
        "/decisions",
        summary="Projects at a stage whose gate the Executive Board decides (4 and 7)",
        responses=documented,
    )
    async def decisions(principal: Caller) -> list[ProjectView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await executive.decisions(uow, principal)

    @router.get("/spend", summary="Spend by outcome and by partner", responses=documented)
    async def spend(principal: Caller) -> SpendView:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await executive.spend(uow, principal)

    @router.get(
        "/self-evaluations",
        summary="The 13-standard self-evaluation over time",
        responses=documented,
    )
    async def self_evaluations(principal: Caller) -> list[SelfEvaluationView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await executive.self_evaluations(uow, principal)

    @router.get("/story", summary="What happened, newest first", responses=documented)
    async def story(principal: Caller, limit: Limit = DEFAULT_LIMIT) -> list[StoryView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await executive.executive_story(uow, principal, limit)

    return router
