"""The audit trail: who decided what, when and why (trust-wide roles)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.monitoring.application import queries
from services.monitoring.entrypoints.http.alerts import Caller
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.monitoring.entrypoints.http.models import AuditOut


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/monitoring", tags=["audit"])

    @router.get(
        "/audit",
        summary="The audit trail: who decided what, when and why (trust-wide roles)",
        responses=errors(*AUTHENTICATED, 422),
    )
    async def audit(
        principal: Caller, subject: Annotated[str | None, Query(max_length=200)] = None
    ) -> list[AuditOut]:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                found = await queries.audit_trail(uow, principal, subject)
        return [AuditOut.of(e) for e in found]

    return router
