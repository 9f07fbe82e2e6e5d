"""OCDS 1.1.5 release and record packages (any authenticated caller: this is what the
trust publishes)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.procurement.application import transparency
from services.procurement.application.common import ProcurementConfig
from services.procurement.application.ports import Clock, UnitOfWorkFactory
from services.procurement.application.transparency import Compiler
from services.procurement.entrypoints.http.errors import READ, errors, refusals_as_http
from shared.auth import Principal, current_principal

Caller = Annotated[Principal, Depends(current_principal)]


def transparency_router(
    config: ProcurementConfig,
    uows: UnitOfWorkFactory,
    clock: Clock,
    compiler: Compiler,
    public_url: str | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/ocds", tags=["open contracting"])

    def base(request: Request) -> str:
        """The published packages' own address: the configured public URL, never a Host
        header a caller chose (the request's address only where none is configured)."""
        return (public_url or str(request.base_url)).rstrip("/")

    @router.get(
        "/releases",
        summary="OCDS 1.1.5 release package",
        response_model=dict[str, Any],
        responses=errors(*READ),
    )
    async def releases(
        _: Caller, request: Request, procurement_id: Annotated[uuid.UUID | None, Query()] = None
    ) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                return await transparency.release_package(
                    uow, config, clock, base(request), procurement_id
                )

    @router.get(
        "/records",
        summary="OCDS 1.1.5 record package, compiled with ocdsmerge",
        response_model=dict[str, Any],
        responses=errors(*READ),
    )
    async def records(
        _: Caller, request: Request, ocid: Annotated[str | None, Query(max_length=200)] = None
    ) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                return await transparency.record_package(
                    uow, config, clock, base(request), compiler, ocid
                )

    return router
