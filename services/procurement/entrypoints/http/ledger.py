"""Contracts, pooled funds and the audit trail."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.procurement.application import changes, contracts
from services.procurement.application.changes import Variation
from services.procurement.application.common import (
    Forbidden,
    ProcurementConfig,
    visible_localities,
)
from services.procurement.application.contracts import kpi
from services.procurement.application.ports import Clock, UnitOfWorkFactory
from services.procurement.application.tenders import procurement_for
from services.procurement.domain.contract import Fund
from services.procurement.entrypoints.http.awards import contract_view
from services.procurement.entrypoints.http.errors import READ, WRITE, errors, refusals_as_http
from services.procurement.entrypoints.http.models import (
    AuditView,
    ContractView,
    FundIn,
    FundView,
    TerminationIn,
    VariationIn,
)
from shared.auth import Principal, current_principal

PENNY = Decimal("0.01")
Caller = Annotated[Principal, Depends(current_principal)]


def fund_view(f: Fund) -> FundView:
    return FundView(
        fund_id=f.fund_id,
        name=f.name,
        contributions=f.contributions,
        total=f.total,
        committed=f.committed,
        available=f.available,
    )


def ledger_router(config: ProcurementConfig, uows: UnitOfWorkFactory, clock: Clock) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/contracts",
        tags=["contracts"],
        summary="Contracts visible to the caller (a provider: its own)",
        response_model=list[ContractView],
        responses=errors(*READ),
    )
    async def listed(principal: Caller) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                found = await contracts.contracts_visible(uow, principal)
        return [contract_view(c) for c in found]

    @router.get(
        "/contracts/{contract_id}",
        tags=["contracts"],
        summary="One contract",
        response_model=ContractView,
        responses=errors(*READ),
    )
    async def one(principal: Caller, contract_id: uuid.UUID) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                return contract_view(await contracts.contract_visible(uow, principal, contract_id))

    return router


def contract_changes_router(
    config: ProcurementConfig, uows: UnitOfWorkFactory, clock: Clock
) -> APIRouter:
    """Variations and terminations of live contracts."""
    router = APIRouter()

    @router.post(
        "/contracts/{contract_id}/variations",
        tags=["contracts"],
        summary="Vary a live contract's end date or KPIs",
        response_model=ContractView,
        responses=errors(*WRITE),
    )
    async def variation(principal: Caller, contract_id: uuid.UUID, body: VariationIn) -> Any:
        with refusals_as_http():
            kpis = None
            if body.kpis is not None:
                kpis = tuple(
                    kpi(
                        (k.kpi_id, k.name, k.unit),
                        k.target,
                        k.polarity.value,
                        (k.amber_tolerance, k.red_tolerance),
                    )
                    for k in body.kpis
                )
            async with uows() as uow:
                varied = await changes.vary(
                    uow, principal, contract_id, Variation(body.reason, body.ends_on, kpis), clock
                )
        return contract_view(varied)

    @router.post(
        "/contracts/{contract_id}/termination",
        tags=["contracts"],
        summary="Terminate a live contract early (e.g. after a decommissioning decision)",
        response_model=ContractView,
        responses=errors(*WRITE),
    )
    async def termination(principal: Caller, contract_id: uuid.UUID, body: TerminationIn) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                ended = await changes.terminate(
                    uow, principal, contract_id, (body.terminated_on, body.reason), clock
                )
        return contract_view(ended)

    @router.post(
        "/funds",
        status_code=201,
        tags=["funds"],
        summary="Create a pooled or aligned fund",
        response_model=FundView,
        responses=errors(*WRITE),
    )
    async def create(principal: Caller, body: FundIn) -> Any:
        pennies = {k: v.quantize(PENNY) for k, v in body.contributions.items()}
        fund = Fund(body.fund_id, body.name, pennies, Decimal(0))
        with refusals_as_http():
            async with uows() as uow:
                await contracts.create_fund(uow, principal, fund, clock)
        return fund_view(fund)

    return router


def funds_router(config: ProcurementConfig, uows: UnitOfWorkFactory, clock: Clock) -> APIRouter:
    """Pooled and aligned funds, and the audit trail."""
    router = APIRouter()

    @router.get(
        "/funds",
        tags=["funds"],
        summary="Pooled and aligned funds and what is committed",
        response_model=list[FundView],
        responses=errors(*READ),
    )
    async def funds(principal: Caller) -> Any:
        with refusals_as_http():
            if visible_localities(principal, config) is not None:
                raise Forbidden("roles", "funds are for commissioners and the Executive Board")
            async with uows() as uow:
                return [fund_view(f) for f in await uow.funds.list()]

    @router.get(
        "/audit",
        tags=["audit"],
        summary="Decisions: who, what, when and why",
        response_model=list[AuditView],
        responses=errors(*READ),
    )
    async def audit(
        principal: Caller, procurement_id: Annotated[uuid.UUID | None, Query()] = None
    ) -> Any:
        with refusals_as_http():
            localities = visible_localities(principal, config)
            if localities is not None and not localities:
                raise Forbidden(
                    "roles",
                    "the audit trail is for commissioners, the Executive Board and local boards",
                )
            async with uows() as uow:
                if procurement_id is not None:
                    await procurement_for(uow, config, principal, procurement_id)
                entries = await uow.audit.entries(procurement_id, localities)
        return [AuditView(**vars(e)) for e in entries]

    return router
