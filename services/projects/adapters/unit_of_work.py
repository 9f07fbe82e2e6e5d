"""The projects unit of work on PostgreSQL: the platform's transaction (outbox included)
with the projects repositories bound to its connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from pydantic import BaseModel

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
from shared.envelope import Envelope
from shared.unit_of_work import UnitOfWork


class PostgresProjectsUnitOfWork:
    """`ProjectsUnitOfWork` over an open platform `UnitOfWork` (HTTP's or the inbox's)."""

    def __init__(self, platform: UnitOfWork) -> None:
        self.platform = platform
        self.projects: ProjectRepository = PostgresProjects(platform.connection)
        self.needs: NeedsProjection = PostgresNeedsProjection(platform.connection)
        self.audit: AuditTrail = PostgresAuditTrail(platform.connection)
        self.priorities: PriorityRepository = PostgresPriorities(platform.connection)
        self.self_evaluations: SelfEvaluationRepository = PostgresSelfEvaluations(
            platform.connection
        )

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        return self.platform.publish(
            payload, subject=subject, locality=locality, caused_by=caused_by
        )

    async def commit(self) -> None:
        await self.platform.commit()


def unit_of_work_factory(
    platform: Callable[[], UnitOfWork],
) -> Callable[[], AbstractAsyncContextManager[ProjectsUnitOfWork]]:
    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[ProjectsUnitOfWork]:
        async with platform() as uow:
            yield PostgresProjectsUnitOfWork(uow)

    return open_unit_of_work
