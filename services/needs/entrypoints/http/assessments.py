"""Needs assessments: commissioners publish versioned snapshots; readers download them as
JSON or CSV (a local board member, their own locality's and the trust's only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, status
from fastapi.responses import Response

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.application.ports import UnitOfWorkFactory
from services.needs.domain.assessment import NeedsAssessment
from services.needs.entrypoints.http.areas import Reader
from services.needs.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.needs.entrypoints.http.models import (
    AssessmentDocument,
    AssessmentRequest,
    AssessmentView,
    PublishedAssessment,
)
from shared.auth import Principal, Role, require_roles

Commissioner = Annotated[Principal, Depends(require_roles(Role.JCU, Role.LEAD_COMMISSIONER))]


class CsvResponse(Response):
    media_type = "text/csv"


def assessments_router(config: NeedsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["needs assessments"])

    @router.post(
        "/needs-assessments",
        summary="Publish a new version of the needs assessment for areas whose content changed",
        description=(
            "201 when at least one area got a new version; 200 when nothing changed since "
            "each area's latest version, which is returned with `created: false`."
        ),
        status_code=status.HTTP_201_CREATED,
        response_model=list[PublishedAssessment],
        responses={200: {"model": list[PublishedAssessment]}, **errors(*AUTHENTICATED, 413, 422)},
    )
    async def create_assessments(
        principal: Commissioner,
        response: Response,
        request: Annotated[AssessmentRequest | None, Body()] = None,
    ) -> list[PublishedAssessment]:
        with refusals_as_http():
            async with uows() as uow:
                names = request.areas if request else []
                published = await queries.publish_assessments(uow, config, principal, names)
                await uow.commit()
        if not any(p.created for p in published):
            response.status_code = status.HTTP_200_OK
        return [
            PublishedAssessment(**assessment_view(p.assessment).model_dump(), created=p.created)
            for p in published
        ]

    @router.get(
        "/needs-assessments",
        summary="Assessments",
        response_model=list[AssessmentView],
        responses=errors(*AUTHENTICATED),
    )
    async def list_assessments(principal: Reader) -> list[AssessmentView]:
        async with uows() as uow:
            found = await queries.visible_assessments(uow, config, principal)
        return [assessment_view(a) for a in found]

    async def visible(principal: Principal, assessment_id: uuid.UUID) -> NeedsAssessment:
        with refusals_as_http():
            async with uows() as uow:
                return await queries.visible_assessment(uow, principal, assessment_id)

    @router.get(
        "/needs-assessments/{assessment_id}.json",
        summary="Download a needs assessment as JSON",
        response_model=AssessmentDocument,
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def assessment_json(principal: Reader, assessment_id: uuid.UUID) -> Any:
        return (await visible(principal, assessment_id)).body

    @router.get(
        "/needs-assessments/{assessment_id}.csv",
        summary="Download a needs assessment's indicator table as CSV",
        response_class=Response,  # errors are JSON: only the 200 is declared as CSV
        responses={
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
            **errors(*AUTHENTICATED, 404, 422),
        },
    )
    async def assessment_csv(principal: Reader, assessment_id: uuid.UUID) -> CsvResponse:
        found = await visible(principal, assessment_id)
        filename = f"needs-assessment-{found.area_code}-v{found.version}.csv"
        return CsvResponse(
            found.csv, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    return router


def assessment_view(a: NeedsAssessment) -> AssessmentView:
    return AssessmentView.model_validate(
        {
            "assessment_id": a.assessment_id,
            "version": a.version,
            "area": {"kind": a.area_kind.value, "code": a.area_code},
            "published_at": a.published_at,
            "data_version": a.data_version,
            "summary": a.body.get("summary"),
            "json_path": f"/needs-assessments/{a.assessment_id}.json",
            "csv_path": f"/needs-assessments/{a.assessment_id}.csv",
        }
    )
