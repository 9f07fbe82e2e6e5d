"""The needs unit of work on PostgreSQL: the platform's transaction (outbox included) with
the needs repositories bound to its connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from pydantic import BaseModel

from services.needs.adapters.needs_repository import PostgresAssessments, PostgresNeeds
from services.needs.adapters.release_repository import PostgresReleases
from services.needs.adapters.repository import PostgresValues
from services.needs.application.ports import (
    AssessmentRepository,
    NeedRepository,
    NeedsUnitOfWork,
    ReleaseRepository,
    ValueRepository,
)
from shared.envelope import Envelope
from shared.unit_of_work import UnitOfWork


class PostgresNeedsUnitOfWork:
    """`NeedsUnitOfWork` over an open platform `UnitOfWork` (HTTP's or the inbox's)."""

    def __init__(self, platform: UnitOfWork) -> None:
        self.platform = platform
        self.values: ValueRepository = PostgresValues(platform.connection)
        self.needs: NeedRepository = PostgresNeeds(platform.connection)
        self.assessments: AssessmentRepository = PostgresAssessments(platform.connection)
        self.releases: ReleaseRepository = PostgresReleases(platform.connection)

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
) -> Callable[[], AbstractAsyncContextManager[NeedsUnitOfWork]]:
    """Opens a platform unit of work and hands out the needs view of it."""

    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[NeedsUnitOfWork]:
        async with platform() as uow:
            yield PostgresNeedsUnitOfWork(uow)

    return open_unit_of_work
