"""Needs: open and resolved needs of the areas the caller may see."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.application.ports import Area, UnitOfWorkFactory
from services.needs.application.queries import Filters
from services.needs.domain.model import AreaKind
from services.needs.domain.need import NeedState
from services.needs.entrypoints.http.areas import GroupQuery, Reader
from services.needs.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.needs.entrypoints.http.models import NeedView

StateQuery = Annotated[Literal["open", "resolved", "all"], Query()]


def needs_router(config: NeedsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["needs"])

    async def needs_of(
        areas: list[Area] | None,
        state: str,
        f: Filters,
        vulnerable: bool | None,
    ) -> list[Any]:
        wanted = None if state == "all" else NeedState(state)
        async with uows() as uow:
            return await queries.needs_of(uow, config, areas, wanted, f, vulnerable)

    @router.get(
        "/localities/{locality}/needs",
        summary="A locality's needs",
        response_model=list[NeedView],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def locality_needs(
        principal: Reader,
        locality: str,
        outcome: str | None = None,
        group: GroupQuery = None,
        state: StateQuery = "open",
        vulnerable: bool | None = None,
    ) -> list[Any]:
        with refusals_as_http():
            queries.check_locality(principal, locality, config)
        area: Area = (AreaKind.LOCALITY, locality)
        return await needs_of([area], state, Filters(None, outcome, group), vulnerable)

    @router.get(
        "/trust/needs",
        summary="Trust-level needs",
        response_model=list[NeedView],
        responses=errors(*AUTHENTICATED, 422),
    )
    async def trust_needs(
        _: Reader,
        outcome: str | None = None,
        group: GroupQuery = None,
        state: StateQuery = "open",
        vulnerable: bool | None = None,
    ) -> list[Any]:
        area: Area = (AreaKind.TRUST, config.trust_id)
        return await needs_of([area], state, Filters(None, outcome, group), vulnerable)

    @router.get(
        "/needs",
        summary="Needs across the areas the caller may see",
        response_model=list[NeedView],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def all_needs(
        principal: Reader,
        locality: str | None = None,
        outcome: str | None = None,
        group: GroupQuery = None,
        state: StateQuery = "open",
        vulnerable: bool | None = None,
    ) -> list[Any]:
        areas = queries.visible_areas(principal, config)
        if locality is not None:
            with refusals_as_http():
                queries.check_locality(principal, locality, config)
            areas = [(AreaKind.LOCALITY, locality)]
        return await needs_of(areas, state, Filters(None, outcome, group), vulnerable)

    return router
