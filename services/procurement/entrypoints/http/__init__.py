"""HTTP API of the procurement service, one router per resource: procurements and their
tenders and bids, evaluation and award, providers and select lists, contracts, funds and
the audit trail. Every route documents its error statuses in the project's shape."""

from __future__ import annotations

from fastapi import APIRouter

from services.procurement.application.common import ProcurementConfig
from services.procurement.application.ports import BidVault, Clock, UnitOfWorkFactory
from services.procurement.application.transparency import Compiler
from services.procurement.entrypoints.http.awards import award_router, awards_router
from services.procurement.entrypoints.http.clarifications import clarifications_router
from services.procurement.entrypoints.http.ledger import (
    contract_changes_router,
    funds_router,
    ledger_router,
)
from services.procurement.entrypoints.http.procurements import bids_router, procurements_router
from services.procurement.entrypoints.http.providers import providers_router, select_lists_router
from services.procurement.entrypoints.http.transparency import transparency_router


def build_routers(
    config: ProcurementConfig,
    uows: UnitOfWorkFactory,
    vault: BidVault,
    clock: Clock,
    compiler: Compiler,
    public_url: str | None = None,
) -> list[APIRouter]:
    return [
        procurements_router(config, uows, vault, clock),
        bids_router(config, uows, vault, clock),
        clarifications_router(config, uows, clock),
        awards_router(config, uows, vault, clock),
        award_router(config, uows, vault, clock),
        providers_router(config, uows, clock),
        select_lists_router(config, uows, clock),
        ledger_router(config, uows, clock),
        contract_changes_router(config, uows, clock),
        funds_router(config, uows, clock),
        transparency_router(config, uows, clock, compiler, public_url),
    ]
