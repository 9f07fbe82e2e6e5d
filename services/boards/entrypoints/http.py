"""The boards service's HTTP API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from shared.auth import Principal, current_principal
from shared.runtime import ServiceContext


class About(BaseModel):
    """What answers here, and to whom."""

    service: str
    title: str
    caller: str


def build_router(ctx: ServiceContext) -> APIRouter:
    router = APIRouter(prefix="/boards", tags=["boards"])

    @router.get("", summary="What this service is (any authenticated caller)")
    async def about(principal: Annotated[Principal, Depends(current_principal)]) -> About:
        d = ctx.definition
        return About(service=d.name, title=d.title, caller=principal.subject)

    return router
