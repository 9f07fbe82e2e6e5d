"""The projects unit of work on PostgreSQL: the platform's transaction (outbox included)
with the projects repositories bound to its connection."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from services.projects.adapters.repository import (
    PostgresAuditTrail,
    PostgresNeedsProjection,
    PostgresPriorities,
    PostgresProjects,
    PostgresSelfEvaluations,
)
from services.projects.application.ports import (
    AuditTrail,
    NeedsProjection,
    PriorityRepository,
    ProjectRepository,
    ProjectsUnitOfWork,
    SelfEvaluationRepository,
)
from shared.unit_of_work import ServiceUnitOfWork, UnitOfWork, service_units_of_work


class PostgresProjectsUnitOfWork(ServiceUnitOfWork):
    """`ProjectsUnitOfWork` over an open platform `UnitOfWork` (HTTP's or the inbox's)."""

    def __init__(self, platform: UnitOfWork) -> None:
        super().__init__(platform)
        self.projects: ProjectRepository = PostgresProjects(platform.connection)
        self.needs: NeedsProjection = PostgresNeedsProjection(platform.connection)
        self.audit: AuditTrail = PostgresAuditTrail(platform.connection)
        self.priorities: PriorityRepository = PostgresPriorities(platform.connection)
        self.self_evaluations: SelfEvaluationRepository = PostgresSelfEvaluations(
            platform.connection
        )


def unit_of_work_factory(
    platform: Callable[[], UnitOfWork],
) -> Callable[[], AbstractAsyncContextManager[ProjectsUnitOfWork]]:
    """Opens a platform unit of work and hands out the projects view of it."""
    return service_units_of_work(platform, PostgresProjectsUnitOfWork)
