"""The monitoring unit of work on PostgreSQL: the platform's transaction (outbox included)
with the monitoring repositories bound to its connection."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from services.monitoring.adapters.channels import PostgresAlertFeed, PostgresSubscriptions
from services.monitoring.adapters.repository import (
    PostgresAlerts,
    PostgresAudit,
    PostgresContracts,
    PostgresReturns,
)
from services.monitoring.application.ports import (
    AlertFeed,
    AlertRepository,
    AuditRepository,
    ContractRepository,
    MonitoringUnitOfWork,
    ReturnRepository,
    SubscriptionRepository,
)
from shared.unit_of_work import ServiceUnitOfWork, UnitOfWork, service_units_of_work


class PostgresMonitoringUnitOfWork(ServiceUnitOfWork):
    """`MonitoringUnitOfWork` over an open platform `UnitOfWork` (HTTP's or the inbox's)."""

    def __init__(self, platform: UnitOfWork) -> None:
        super().__init__(platform)
        self.contracts: ContractRepository = PostgresContracts(platform.connection)
        self.returns: ReturnRepository = PostgresReturns(platform.connection)
        self.alerts: AlertRepository = PostgresAlerts(platform.connection)
        self.audit: AuditRepository = PostgresAudit(platform.connection)
        self.feed: AlertFeed = PostgresAlertFeed(platform.connection)
        self.subscriptions: SubscriptionRepository = PostgresSubscriptions(platform.connection)

    async def commit(self) -> None:
        """The staged alert events are written last, so the feed's lock is held briefly."""
        await self.feed.flush()
        await super().commit()


def unit_of_work_factory(
    platform: Callable[[], UnitOfWork],
) -> Callable[[], AbstractAsyncContextManager[MonitoringUnitOfWork]]:
    """Opens a platform unit of work and hands out the monitoring view of it."""
    return service_units_of_work(platform, PostgresMonitoringUnitOfWork)
