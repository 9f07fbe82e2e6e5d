"""Facts from later stages, by API until the procurement and monitoring services publish
them (a contract awarded, a performance review or escalation), and local boards' views."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, status

from services.projects.application import facts, local_views
from services.projects.application.config import ProjectsConfig
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.projects.entrypoints.http.models import ProjectView, project_view
from shared.auth import Principal, Role, require_roles

Jcu = Annotated[Principal, Depends(require_roles(Role.JCU))]
LocalBoard = Annotated[Principal, Depends(require_roles(Role.LOCAL_BOARD_MEMBER))]
Monitor = Annotated[Principal, Depends(require_roles(Role.JCU, Role.LEAD_COMMISSIONER))]


def facts_router(config: ProjectsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["contracts and reviews"])

    @router.post(
        "/projects/{project_id}/contract-awards",
        summary="Record a contract awarded for the project's service",
        status_code=status.HTTP_201_CREATED,
        response_model=ProjectView,
        responses=errors(*AUTHENTICATED, 404, 409, 412, 413, 422),
    )
    async def award(
        principal: Jcu, project_id: uuid.UUID, body: Annotated[facts.ContractAwarded, Body()]
    ) -> ProjectView:
        """The JCU awards specialist services (Durham, Section 3, roles table "Procure new
        service"). Awards the procurement service publishes arrive by its events; an
        award made outside the platform is recorded here."""
        with refusals_as_http():
            async with uows() as uow:
                project = await facts.record_contract_award(uow, principal, project_id, body)
                await uow.commit()
        return project_view(project, config)

    @router.post(
        "/projects/{project_id}/performance-reviews",
        summary="Record a performance review or escalation of the commissioned service",
        status_code=status.HTTP_201_CREATED,
        response_model=ProjectView,
        responses=errors(*AUTHENTICATED, 404, 409, 412, 413, 422),
    )
    async def review(
        principal: Monitor,
        project_id: uuid.UUID,
        body: Annotated[facts.PerformanceReviewed, Body()],
    ) -> ProjectView:
        with refusals_as_http():
            async with uows() as uow:
                project = await facts.record_performance_review(uow, principal, project_id, body)
                await uow.commit()
        return project_view(project, config)

    @router.post(
        "/projects/{project_id}/local-views",
        summary="A local board's view on a project for its locality",
        status_code=status.HTTP_201_CREATED,
        response_model=ProjectView,
        responses=errors(*AUTHENTICATED, 404, 409, 412, 413, 422),
    )
    async def local_view(
        principal: LocalBoard,
        project_id: uuid.UUID,
        body: Annotated[local_views.LocalViewFields, Body()],
    ) -> ProjectView:
        with refusals_as_http():
            async with uows() as uow:
                project = await local_views.record_local_view(uow, principal, project_id, body)
                await uow.commit()
        return project_view(project, config)

    return router
