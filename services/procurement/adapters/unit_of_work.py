"""The procurement unit of work on PostgreSQL: the platform transaction (outbox included)
with the procurement repositories bound to its connection."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

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
from shared.unit_of_work import ServiceUnitOfWork, UnitOfWork, service_units_of_work


class PostgresProcurementUnitOfWork(ServiceUnitOfWork):
    def __init__(self, platform: UnitOfWork) -> None:
        super().__init__(platform)
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


def unit_of_work_factory(
    platform: Callable[[], UnitOfWork],
) -> Callable[[], AbstractAsyncContextManager[ProcurementUnitOfWork]]:
    """Opens a platform unit of work and hands out the procurement view of it."""
    return service_units_of_work(platform, PostgresProcurementUnitOfWork)


class InboxProcurementUnitOfWork(PostgresProcurementUnitOfWork):
    """The procurement repositories inside the inbox's transaction: a use case's
    ``commit`` leaves the commit to the inbox, which commits the effects of a batch with
    its inbox rows (so an event is applied once, or not at all)."""

    async def commit(self) -> None:
        return None
