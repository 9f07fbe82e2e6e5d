"""The monitoring unit of work on PostgreSQL: the platform's transaction (outbox included)
with the monitoring repositories bound to its connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from pydantic import BaseModel

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
from shared.envelope import Envelope
from shared.unit_of_work import UnitOfWork


class PostgresMonitoringUnitOfWork:
    """`MonitoringUnitOfWork` over an open platform `UnitOfWork` (HTTP's or the inbox's)."""

    def __init__(self, platform: UnitOfWork) -> None:
        self.platform = platform
        self.contracts: ContractRepository = PostgresContracts(platform.connection)
        self.returns: ReturnRepository = PostgresReturns(platform.connection)
        self.alerts: AlertRepository = PostgresAlerts(platform.connection)
        self.audit: AuditRepository = PostgresAudit(platform.connection)
        self.feed: AlertFeed = PostgresAlertFeed(platform.connection)
        self.subscriptions: SubscriptionRepository = PostgresSubscriptions(platform.connection)

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
) -> Callable[[], AbstractAsyncContextManager[MonitoringUnitOfWork]]:
    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[MonitoringUnitOfWork]:
        async with platform() as uow:
            yield PostgresMonitoringUnitOfWork(uow)

    return open_unit_of_work
