"""The annual performance report for the Executive Board, as HTML and CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.monitoring.application.reports import annual_report
from services.monitoring.entrypoints.http.deps import Wiring
from services.monitoring.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.monitoring.entrypoints.http.report_render import as_csv, as_response
from shared.auth import Principal, current_principal

Year = Annotated[int, Path(ge=2000, le=2100, description="Financial year starting April.")]
Caller = Annotated[Principal, Depends(current_principal)]


def build_router(wiring: Wiring) -> APIRouter:
    router = APIRouter(prefix="/monitoring/reports", tags=["reports"])

    @router.get(
        "/annual/{year}",
        summary="Annual performance report (HTML, trust-wide roles)",
        response_class=Response,  # errors are JSON: only the 200 is HTML
        responses={
            200: {"content": {"text/html": {"schema": {"type": "string"}}}},
            **errors(*AUTHENTICATED, 422),
        },
    )
    async def annual_html(year: Year, principal: Caller) -> Response:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                report = await annual_report(uow, principal, year)
        return as_response(report)

    @router.get(
        "/annual/{year}/csv",
        summary="Annual performance report (CSV)",
        response_class=Response,
        responses={
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
            **errors(*AUTHENTICATED, 422),
        },
    )
    async def annual_csv(year: Year, principal: Caller) -> Response:
        with refusals_as_http():
            async with wiring.unit_of_work() as uow:
                report = await annual_report(uow, principal, year)
        name = f"annual-performance-{year}.csv"
        return Response(
            as_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
