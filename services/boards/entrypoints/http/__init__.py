"""The boards service's HTTP API: one router per audience, and what the service is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from services.boards.entrypoints.http import executive, jcu, local
from services.boards.entrypoints.http.errors import errors
from services.boards.entrypoints.http.wiring import Wiring
from shared.auth import Principal, current_principal


class About(BaseModel):
    """What answers here, and to whom."""

    service: str
    title: str
    caller: str


def about_router(service: str, title: str) -> APIRouter:
    router = APIRouter(prefix="/boards", tags=["boards"])

    @router.get(
        "",
        summary="What this service is (any authenticated caller)",
        responses=errors(401, 503),
    )
    async def about(principal: Annotated[Principal, Depends(current_principal)]) -> About:
        return About(service=service, title=title, caller=principal.subject)

    return router


def build_routers(wiring: Wiring, service: str, title: str) -> list[APIRouter]:
    return [
        about_router(service, title),
        local.build_router(wiring),
        jcu.build_router(wiring),
        executive.build_router(wiring),
    ]
