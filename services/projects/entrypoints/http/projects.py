"""Projects: created and run by commissioners, read within the caller's scope, changed
only against the version the caller saw (If-Match)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status

from services.projects.application import projects as use_cases
from services.projects.application.changes import EDITORS, READERS, visible_project
from services.projects.application.config import ProjectsConfig
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
    ProjectView,
    project_view,
)
from shared.auth import Principal, Role, require_roles

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Editor = Annotated[Principal, Depends(require_roles(*EDITORS))]
Creator = Annotated[Principal, Depends(require_roles(Role.JCU, Role.LEAD_COMMISSIONER))]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]
CHANGE_ERRORS = errors(*AUTHENTICATED, 404, 409, 412, 413, 422, 428)


def projects_router(config: ProjectsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["projects"])

    @router.post(
        "/projects",
        summary="Start a commissioning project (at stage 1)",
        status_code=status.HTTP_201_CREATED,
        response_model=ProjectView,
        responses={201: {"headers": ETAG_HEADER}, **errors(*AUTHENTICATED, 413, 422)},
    )
    async def create(
        principal: Creator, fields: Annotated[use_cases.ProjectFields, Body()], response: Response
    ) -> ProjectView:
        with refusals_as_http():
            async with uows() as uow:
                project = await use_cases.create_project(uow, config, principal, fields)
                await uow.commit()
        response.headers["ETag"] = etag(project.version)
        return project_view(project, config)

    @router.get(
        "/projects",
        summary="Projects the caller may see",
        response_model=list[ProjectView],
        responses=errors(*AUTHENTICATED, 422),
    )
    async def list_projects(
        principal: Reader, stage: Annotated[int | None, Query(ge=1, le=9)] = None
    ) -> list[ProjectView]:
        async with uows() as uow:
            found = await use_cases.visible_projects(uow, principal, stage)
        return [project_view(p, config) for p in found]

    @router.get(
        "/projects/{project_id}",
        summary="A project",
        response_model=ProjectView,
        responses={200: {"headers": ETAG_HEADER}, **errors(*AUTHENTICATED, 404, 422)},
    )
    async def get(principal: Reader, project_id: uuid.UUID, response: Response) -> ProjectView:
        with refusals_as_http():
            async with uows() as uow:
                project = await visible_project(uow, principal, project_id)
        response.headers["ETag"] = etag(project.version)
        return project_view(project, config)

    @router.patch(
        "/projects/{project_id}",
        summary="Edit a project's fields",
        response_model=ProjectView,
        responses={200: {"headers": ETAG_HEADER}, **CHANGE_ERRORS},
    )
    async def edit(
        principal: Editor,
        project_id: uuid.UUID,
        changes: Annotated[use_cases.ProjectEdit, Body()],
        response: Response,
        if_match: IfMatch = None,
    ) -> ProjectView:
        version = expected_version(if_match)
        with refusals_as_http():
            async with uows() as uow:
                project = await use_cases.edit_project(
                    uow, config, principal, project_id, version, changes
                )
                await uow.commit()
        response.headers["ETag"] = etag(project.version)
        return project_view(project, config)

    return router
