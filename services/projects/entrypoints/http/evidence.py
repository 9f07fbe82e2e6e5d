"""A project's evidence, recorded by the people who run it against the version they saw,
and its audit trail: who decided or changed what, when and why."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Response

from services.projects.application import projects as use_cases
from services.projects.application.changes import EDITORS, READERS
from services.projects.application.config import ProjectsConfig
from services.projects.application.documents import EvidenceDoc
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.entrypoints.http.errors import (
    AUTHENTICATED,
    ETAG_HEADER,
    errors,
    etag,
    expected_version,
    refusals_as_http,
)
from services.projects.entrypoints.http.models import (
    AuditEntryView,
    ProjectView,
    audit_view,
    project_view,
)
from shared.auth import Principal, require_roles

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Editor = Annotated[Principal, Depends(require_roles(*EDITORS))]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]
CHANGE_ERRORS = errors(*AUTHENTICATED, 404, 409, 412, 413, 422, 428)


def evidence_router(config: ProjectsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["projects"])

    @router.patch(
        "/projects/{project_id}/evidence",
        summary="Record evidence: the sections given replace the stored ones",
        response_model=ProjectView,
        responses={200: {"headers": ETAG_HEADER}, **CHANGE_ERRORS},
    )
    async def record_evidence(
        principal: Editor,
        project_id: uuid.UUID,
        evidence: Annotated[EvidenceDoc, Body()],
        response: Response,
        if_match: IfMatch = None,
    ) -> ProjectView:
        version = expected_version(if_match)
        with refusals_as_http():
            async with uows() as uow:
                project = await use_cases.record_evidence(
                    uow, principal, project_id, version, evidence
                )
                await uow.commit()
        response.headers["ETag"] = etag(project.version)
        return project_view(project, config)

    @router.get(
        "/projects/{project_id}/audit",
        summary="Who decided or changed what, when and why",
        response_model=list[AuditEntryView],
        responses=errors(*AUTHENTICATED, 404, 422),
    )
    async def audit(principal: Reader, project_id: uuid.UUID) -> list[AuditEntryView]:
        with refusals_as_http():
            async with uows() as uow:
                entries = await use_cases.audit_trail(uow, principal, project_id)
        return [audit_view(e) for e in entries]

    return router
