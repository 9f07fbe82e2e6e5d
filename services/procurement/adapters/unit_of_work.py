"""The procurement unit of work on PostgreSQL: the platform transaction (outbox included)
with the procurement repositories bound to its connection."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from pydantic import BaseModel

from services.procurement.adapters.records import (
    PostgresAuditTrail,
    PostgresBids,
    PostgresClarifications,
    PostgresContracts,
    PostgresEvaluations,
    PostgresFunds,
)
from services.procurement.adapters.repositories import (
    PostgresProcurements,
    PostgresProviders,
    PostgresSelectLists,
)
from services.procurement.application.ports import ProcurementUnitOfWork
from shared.envelope import Envelope
from shared.unit_of_work import UnitOfWork


class PostgresProcurementUnitOfWork:
    def __init__(self, platform: UnitOfWork) -> None:
        self.platform = platform
        c = platform.connection
        self.providers = PostgresProviders(c)
        self.select_lists = PostgresSelectLists(c)
        self.procurements = PostgresProcurements(c)
        self.bids = PostgresBids(c)
        self.clarifications = PostgresClarifications(c)
        self.evaluations = PostgresEvaluations(c)
        self.contracts = PostgresContracts(c)
        self.funds = PostgresFunds(c)
        self.audit = PostgresAuditTrail(c)

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
) -> Callable[[], AbstractAsyncContextManager[ProcurementUnitOfWork]]:
    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[ProcurementUnitOfWork]:
        async with platform() as uow:
            yield PostgresProcurementUnitOfWork(uow)

    return open_unit_of_work


class InboxProcurementUnitOfWork(PostgresProcurementUnitOfWork):
    """The procurement repositories inside the inbox's transaction: a use case's
    ``commit`` leaves the commit to the inbox, which commits the effects of a batch with
    its inbox rows (so an event is applied once, or not at all)."""

    async def commit(self) -> None:
        return None
