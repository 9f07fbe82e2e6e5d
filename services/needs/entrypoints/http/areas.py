"""Areas: the values and comparisons of a locality, the trust and the comparator areas.

Every figure below trust level is disclosure-controlled; a Local Children's Board member
sees their own locality only (see `application/queries.py`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.application.ports import UnitOfWorkFactory
from services.needs.application.queries import Filters
from services.needs.domain.model import AreaKind
from services.needs.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.needs.entrypoints.http.models import AreaValue, ComparisonRow
from shared.auth import TRUST_WIDE_ROLES, Principal, Role, require_roles

READERS = (*sorted(TRUST_WIDE_ROLES), Role.LOCAL_BOARD_MEMBER)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
GroupQuery = Annotated[
    str | None, Query(description="A breakdown dimension (e.g. looked_after), or 'all'")
]


def filters(
    indicator_id: str | None = None, outcome: str | None = None, group: GroupQuery = None
) -> Filters:
    """Narrow a read to one indicator, one outcome, or a group dimension."""
    return Filters(indicator_id, outcome, group)


Filtered = Annotated[Filters, Depends(filters)]


def areas_router(config: NeedsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["areas"])

    async def values(area: tuple[AreaKind, str | None], f: Filters) -> list[Any]:
        with refusals_as_http():
            async with uows() as uow:
                rows = await queries.values_of(uow, config, area, f)
                await uow.commit()  # the release record of what is answered
                return rows

    async def comparisons(area: tuple[AreaKind, str], f: Filters) -> list[Any]:
        with refusals_as_http():
            async with uows() as uow:
                rows = await queries.comparisons_of(uow, config, area, f)
                await uow.commit()
                return rows

    @router.get(
        "/localities/{locality}/values",
        summary="A locality's values",
        response_model=list[AreaValue],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def locality_values(principal: Reader, locality: str, f: Filtered) -> list[Any]:
        with refusals_as_http():
            queries.check_locality(principal, locality, config)
        return await values((AreaKind.LOCALITY, locality), f)

    @router.get(
        "/localities/{locality}/comparisons",
        summary="A locality's comparisons with benchmarks, trends and flags",
        response_model=list[ComparisonRow],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def locality_comparisons(principal: Reader, locality: str, f: Filtered) -> list[Any]:
        with refusals_as_http():
            queries.check_locality(principal, locality, config)
        return await comparisons((AreaKind.LOCALITY, locality), f)

    @router.get(
        "/trust/values",
        summary="The trust's values",
        response_model=list[AreaValue],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def trust_values(_: Reader, f: Filtered) -> list[Any]:
        return await values((AreaKind.TRUST, config.trust_id), f)

    @router.get(
        "/trust/comparisons",
        summary="The trust's comparisons",
        response_model=list[ComparisonRow],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def trust_comparisons(_: Reader, f: Filtered) -> list[Any]:
        return await comparisons((AreaKind.TRUST, config.trust_id), f)

    @router.get(
        "/comparators/{kind}/values",
        summary="Comparator areas' values (England, region, statistical neighbours)",
        response_model=list[AreaValue],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def comparator_values(_: Reader, kind: AreaKind, f: Filtered) -> list[Any]:
        if kind not in queries.COMPARATOR_KINDS:
            with refusals_as_http():
                raise queries.NotFound(
                    "kind", "comparators are england, region or statistical_neighbour"
                )
        return await values((kind, None), f)

    return router
