"""Local Children's Boards shape their locality's projects: local intelligence on need and
services, and the locality's view of the ideal type and the specification (Durham,
Section 3, "Local Children's Boards", responsibilities 1, 3 and 4)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.projects.application.changes import now, store_change, visible_project
from services.projects.application.errors import Forbidden
from services.projects.application.ports import ProjectsUnitOfWork
from services.projects.domain.project import LocalView, Project
from shared.auth import Principal


class LocalViewFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: Annotated[str, Field(min_length=1, max_length=4000, pattern=r"^[^\x00]*\S[^\x00]*$")]


async def record_local_view(
    uow: ProjectsUnitOfWork, principal: Principal, project_id: uuid.UUID, fields: LocalViewFields
) -> Project:
    """A board member speaks for its own locality, on projects for that locality only."""
    project = await visible_project(uow, principal, project_id)
    project.require_open()
    if principal.locality is None or principal.locality not in project.localities:
        rule = "a local board contributes to projects for its own locality"
        raise Forbidden.of("project_id", rule)
    view = LocalView(principal.locality, principal.subject, fields.text, now())
    changed = project.changed(local_views=(*project.local_views, view))
    detail = {"locality": principal.locality}
    return await store_change(uow, principal, changed, "local_view_recorded", detail=detail)
