"""Projects: created, edited and given evidence by the people who run them (Durham,
Section 3, "Lead Commissioner", "Commissioning Officer"); read within the caller's scope."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.projects.application.changes import (
    check_version,
    may_see,
    store_change,
    subject,
    visible_project,
)
from services.projects.application.config import ProjectsConfig
from services.projects.application.documents import EvidenceDoc
from services.projects.application.errors import Problem, Unprocessable
from services.projects.application.ports import AuditEntry, ProjectsUnitOfWork
from services.projects.domain.project import Level, Project, level_rule
from shared.auth import Principal, Role

Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class ProjectFields(BaseModel):
    """A project's own fields, as a commissioner sets them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Name
    level: Level
    localities: list[Id] = Field(
        default_factory=list, max_length=50, description="Empty: trust-wide (strategic only)."
    )
    target_groups: list[Name] = Field(default_factory=list, max_length=50)
    outcomes: list[Id] = Field(min_length=1, max_length=20)
    lead_commissioner: Name
    commissioning_officer: Name
    priority_id: uuid.UUID | None = None


class ProjectEdit(BaseModel):
    """Fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Name | None = None
    level: Level | None = None
    localities: list[Id] | None = Field(default=None, max_length=50)
    target_groups: list[Name] | None = Field(default=None, max_length=50)
    outcomes: list[Id] | None = Field(default=None, min_length=1, max_length=20)
    lead_commissioner: Name | None = None
    commissioning_officer: Name | None = None
    priority_id: uuid.UUID | None = None
    clear_review_flags: bool = Field(
        default=False, description="The project was reviewed after its evidence changed."
    )


def check_fields(fields: ProjectFields, config: ProjectsConfig) -> None:
    """Localities and outcomes must be the trust's; the level must fit the localities."""
    problems = [
        Problem("localities", f"unknown locality {loc!r}")
        for loc in fields.localities
        if loc not in config.localities
    ] + [
        Problem("outcomes", f"{o!r} is not an outcome of the trust's outcome framework")
        for o in fields.outcomes
        if o not in config.outcomes
    ]
    rule = level_rule(fields.level, tuple(fields.localities))
    if rule:
        problems.append(Problem("localities", rule))
    if problems:
        raise Unprocessable(problems)


async def check_priority(uow: ProjectsUnitOfWork, priority_id: uuid.UUID | None) -> None:
    """A project links to a priority the Executive Board has agreed, or to none."""
    if priority_id is not None and await uow.priorities.get(priority_id) is None:
        raise Unprocessable.of("priority_id", f"no agreed priority {priority_id}")


async def create_project(
    uow: ProjectsUnitOfWork, config: ProjectsConfig, principal: Principal, fields: ProjectFields
) -> Project:
    check_fields(fields, config)
    await check_priority(uow, fields.priority_id)
    project = Project(
        project_id=uuid.uuid4(),
        title=fields.title,
        level=fields.level,
        localities=tuple(dict.fromkeys(fields.localities)),
        target_groups=tuple(fields.target_groups),
        outcomes=tuple(dict.fromkeys(fields.outcomes)),
        lead_commissioner=fields.lead_commissioner,
        commissioning_officer=fields.commissioning_officer,
        priority_id=fields.priority_id,
    )
    return await store_change(uow, principal, project, "created")


async def edit_project(
    uow: ProjectsUnitOfWork,
    config: ProjectsConfig,
    principal: Principal,
    project_id: uuid.UUID,
    version: int,
    edit: ProjectEdit,
) -> Project:
    project = await visible_project(uow, principal, project_id)
    check_version(project, version)
    project.require_open()
    given = edit.model_dump(exclude_unset=True, exclude={"clear_review_flags"})
    current = ProjectFields(
        title=project.title,
        level=project.level,
        localities=list(project.localities),
        target_groups=list(project.target_groups),
        outcomes=list(project.outcomes),
        lead_commissioner=project.lead_commissioner,
        commissioning_officer=project.commissioning_officer,
        priority_id=project.priority_id,
    )
    fields = ProjectFields.model_validate({**current.model_dump(), **given})
    check_fields(fields, config)
    await check_priority(uow, fields.priority_id)
    changed = project.changed(
        title=fields.title,
        level=fields.level,
        localities=tuple(dict.fromkeys(fields.localities)),
        target_groups=tuple(fields.target_groups),
        outcomes=tuple(dict.fromkeys(fields.outcomes)),
        lead_commissioner=fields.lead_commissioner,
        commissioning_officer=fields.commissioning_officer,
        priority_id=fields.priority_id,
        review_flags=() if edit.clear_review_flags else project.review_flags,
    )
    detail = {"fields": sorted(given), "cleared_review_flags": edit.clear_review_flags}
    return await store_change(uow, principal, changed, "edited", detail=detail)


async def record_evidence(
    uow: ProjectsUnitOfWork,
    principal: Principal,
    project_id: uuid.UUID,
    version: int,
    evidence: EvidenceDoc,
) -> Project:
    """Replace the evidence sections given; the gates judge them later."""
    project = await visible_project(uow, principal, project_id)
    check_version(project, version)
    project.require_open()
    merged = evidence.merged_into(project.evidence)
    changed = project.changed(evidence=merged.to_domain())
    detail = {"sections": sorted(evidence.model_fields_set)}
    return await store_change(uow, principal, changed, "evidence_recorded", detail=detail)


async def visible_projects(
    uow: ProjectsUnitOfWork, principal: Principal, stage: int | None
) -> list[Project]:
    localities = None
    if not principal.is_trust_wide:
        mine = principal.locality if Role.LOCAL_BOARD_MEMBER in principal.roles else None
        localities = [mine] if mine else []
    found = await uow.projects.find(localities)
    return [p for p in found if may_see(principal, p) and (stage is None or p.stage == stage)]


async def audit_trail(
    uow: ProjectsUnitOfWork, principal: Principal, project_id: uuid.UUID
) -> list[AuditEntry]:
    """Who decided or changed what, when and why, oldest first."""
    await visible_project(uow, principal, project_id)
    return await uow.audit.of_subject(subject(project_id))
