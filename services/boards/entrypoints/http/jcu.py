"""The Joint Commissioning Unit's view of the whole pipeline (trust-wide roles)."""

from __future__ import annotations

from fastapi import APIRouter

from services.boards.application import jcu
from services.boards.application.views import (
    AlertView,
    ContractView,
    FundView,
    GapAnalysisView,
    PipelineView,
    ProcurementPipelineView,
    StoryView,
)
from services.boards.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.boards.entrypoints.http.wiring import DEFAULT_LIMIT, Caller, Limit, Wiring


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/boards/jcu", tags=["JCU"])
    documented = errors(*AUTHENTICATED)

    @router.get("/projects", summary="Every project by stage and gate", responses=documented)
    async def projects(principal: Caller) -> PipelineView:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await jcu.jcu_projects(uow, principal)

    @router.get("/procurements", summary="The procurement pipeline", responses=documented)
    async def procurements(principal: Caller) -> ProcurementPipelineView:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await jcu.jcu_procurements(uow, principal)

    @router.get("/contracts", summary="Every contract with its RAG", responses=documented)
    async def contracts(principal: Caller) -> list[ContractView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await jcu.jcu_contracts(uow, principal)

    @router.get(
        "/budgets",
        summary="Pooled and aligned funds: contributed, committed, remaining",
        responses=documented,
    )
    async def budgets(principal: Caller) -> list[FundView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await jcu.jcu_budgets(uow, principal)

    @router.get("/alerts", summary="Every open alert", responses=documented)
    async def alerts(principal: Caller) -> list[AlertView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await jcu.jcu_alerts(uow, principal)

    @router.get(
        "/gaps",
        summary="Gap analysis: needs per outcome and locality against contracted services",
        responses=documented,
    )
    async def gaps(principal: Caller) -> GapAnalysisView:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await jcu.jcu_gaps(uow, principal)

    @router.get("/story", summary="What happened, newest first", responses=documented)
    async def story(principal: Caller, limit: Limit = DEFAULT_LIMIT) -> list[StoryView]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                return await jcu.jcu_story(uow, principal, limit)

    return router
