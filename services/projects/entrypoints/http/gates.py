"""Stage gates: what a project still lacks to leave its stage, and the deciding body's
approval or refusal (Durham, Section 3, roles table)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Response

from services.projects.application import gates as use_cases
from services.projects.application.changes import READERS, visible_project
from services.projects.application.config import ProjectsConfig
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.gates import StageGate
from services.projects.entrypoints.http.errors import (
    AUTHENTICATED,
    ETAG_HEADER,
    errors,
    etag,
    expected_version,
    refusals_as_http,
)
from services.projects.entrypoints.http.models import (
    GateView,
    MissingView,
    ProjectView,
    project_view,
)
from shared.auth import Principal, Role, require_roles

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Decider = Annotated[
    Principal,
    Depends(require_roles(Role.EXECUTIVE_BOARD, Role.JCU, Role.LEAD_COMMISSIONER)),
]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]


def gates_router(config: ProjectsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["stage gates"])

    @router.get(
        "/projects/{project_id}/gate",
        summary="The gate out of the current stage: who decides, what is missing",
        response_model=GateView,
        responses=errors(*AUTHENTICATED, 404, 409, 422),
    )
    async def gate(principal: Reader, project_id: uuid.UUID) -> GateView:
        with refusals_as_http():
            async with uows() as uow:
                project = await visible_project(uow, principal, project_id)
                project.require_open()
                missing = await use_cases.missing_evidence(uow, config, project)
        return GateView(
            stage=project.stage,
            approvers=sorted(StageGate(project.stage).approvers),
            ready=not missing,
            missing=[MissingView(field=f"evidence.{m.field}", rule=m.rule) for m in missing],
        )

    @router.post(
        "/projects/{project_id}/gate-decisions",
        summary="Approve or refuse the project's leaving its current stage",
        response_model=ProjectView,
        responses={
            200: {"headers": ETAG_HEADER},
            **errors(*AUTHENTICATED, 404, 409, 412, 413, 422, 428),
        },
    )
    async def decide(
        principal: Decider,
        project_id: uuid.UUID,
        decision: Annotated[use_cases.GateDecision, Body()],
        response: Response,
        if_match: IfMatch = None,
    ) -> ProjectView:
        version = expected_version(if_match)
        with refusals_as_http():
            async with uows() as uow:
                project = await use_cases.decide_gate(
                    uow, config, principal, project_id, version, decision
                )
                await uow.commit()
        response.headers["ETag"] = etag(project.version)
        return project_view(project, config)

    return router
