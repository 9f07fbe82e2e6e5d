"""The needs unit of work on PostgreSQL: the platform's transaction (outbox included) with
the needs repositories bound to its connection."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

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
from shared.unit_of_work import ServiceUnitOfWork, UnitOfWork, service_units_of_work


class PostgresNeedsUnitOfWork(ServiceUnitOfWork):
    """`NeedsUnitOfWork` over an open platform `UnitOfWork` (HTTP's or the inbox's)."""

    def __init__(self, platform: UnitOfWork) -> None:
        super().__init__(platform)
        self.values: ValueRepository = PostgresValues(platform.connection)
        self.needs: NeedRepository = PostgresNeeds(platform.connection)
        self.assessments: AssessmentRepository = PostgresAssessments(platform.connection)
        self.releases: ReleaseRepository = PostgresReleases(platform.connection)


def unit_of_work_factory(
    platform: Callable[[], UnitOfWork],
) -> Callable[[], AbstractAsyncContextManager[NeedsUnitOfWork]]:
    """Opens a platform unit of work and hands out the needs view of it."""
    return service_units_of_work(platform, PostgresNeedsUnitOfWork)
