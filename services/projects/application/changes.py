"""Every change to a project is stored over the version the caller saw, audited and
published as `ProjectChanged`, in one unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.projects.application.errors import NotFound, StaleVersion
from services.projects.application.ports import AuditEntry, ProjectsUnitOfWork
from services.projects.domain.project import Project
from shared.auth import Principal, Role
from shared.contracts.projects import Level, ProjectChanged, ProjectSnapshot
from shared.envelope import Envelope

READERS = (
    Role.EXECUTIVE_BOARD,
    Role.JCU,
    Role.LEAD_COMMISSIONER,
    Role.COMMISSIONING_OFFICER,
    Role.LOCAL_BOARD_MEMBER,
)
"""Who reads projects: the trust's bodies, and a local board member for its locality
(Durham, Section 3, "Local Children's Boards")."""

EDITORS = (Role.JCU, Role.LEAD_COMMISSIONER, Role.COMMISSIONING_OFFICER)
"""Who runs a project and records its evidence (Durham, Section 3, "Lead Commissioner" and
"Commissioning Officer")."""


def now() -> datetime:
    return datetime.now(UTC)


def subject(project_id: uuid.UUID) -> str:
    return f"project/{project_id}"


def locality_of(project: Project) -> str | None:
    """The envelope's locality: the project's one locality, so a local board's consumers can
    route on it; None for a trust-wide project or one spanning several localities."""
    return project.localities[0] if len(project.localities) == 1 else None


def may_see(principal: Principal, project: Project) -> bool:
    """Trust-wide bodies see every project; a local board member sees its locality's and the
    trust-wide ones, nothing else."""
    if principal.is_trust_wide:
        return True
    if Role.LOCAL_BOARD_MEMBER not in principal.roles:
        return False
    return project.trust_wide or principal.locality in project.localities


async def visible_project(
    uow: ProjectsUnitOfWork, principal: Principal, project_id: uuid.UUID
) -> Project:
    """The project, or 404 alike for a missing one and one the caller may not see."""
    found = await uow.projects.get(project_id)
    if found is None or not may_see(principal, found):
        raise NotFound.of("project_id", f"no project {project_id} visible to the caller")
    return found


def check_version(project: Project, expected: int) -> None:
    if project.version != expected:
        raise StaleVersion.of(
            "If-Match",
            f"version {expected} is stale; the project is at version {project.version}",
        )


def snapshot(project: Project) -> ProjectSnapshot:
    return ProjectSnapshot(
        title=project.title,
        level=Level(project.level.value),
        localities=list(project.localities),
        target_groups=list(project.target_groups),
        outcomes=list(project.outcomes),
        lead_commissioner=project.lead_commissioner,
        commissioning_officer=project.commissioning_officer,
        priority_id=project.priority_id,
        stage=project.stage,
        status=project.status.value,
    )


@dataclass(frozen=True)
class EventActor:
    """Who decided, acting through another service's event (``cause``): e.g. the award
    decision-maker in the procurement service."""

    subject: str
    roles: frozenset[Role]
    cause: Envelope


async def store_change(
    uow: ProjectsUnitOfWork,
    principal: Principal | EventActor,
    project: Project,
    change: str,
    *,
    reasons: str = "",
    detail: dict[str, Any] | None = None,
) -> Project:
    """Store the next version (412 if another change got there first), audit it, publish."""
    if project.version == 1:
        await uow.projects.add(project)
    elif not await uow.projects.save(project):
        raise StaleVersion.of("If-Match", "the project was changed meanwhile; fetch it again")
    at = now()
    await uow.audit.record(
        AuditEntry(
            subject=subject(project.project_id),
            actor=principal.subject,
            roles=tuple(sorted(r.value for r in principal.roles)),
            action=change,
            at=at,
            reasons=reasons,
            detail=detail or {},
        )
    )
    uow.publish(
        ProjectChanged(
            project_id=project.project_id,
            version=project.version,
            change=change,
            project=snapshot(project),
            changed_by=principal.subject,
            changed_at=at,
        ),
        subject=subject(project.project_id),
        locality=locality_of(project),
        caused_by=principal.cause if isinstance(principal, EventActor) else None,
    )
    return project
