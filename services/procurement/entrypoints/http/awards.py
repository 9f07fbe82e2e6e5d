"""Evaluation by the panel, the award decision and the contract."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from services.procurement.application import awards, contracts
from services.procurement.application.common import ProcurementConfig
from services.procurement.application.contracts import Specification, kpi
from services.procurement.application.ports import BidVault, Clock, UnitOfWorkFactory
from services.procurement.domain.contract import Contract, Funding
from services.procurement.entrypoints.http.errors import WRITE, errors, refusals_as_http
from services.procurement.entrypoints.http.models import (
    AwardIn,
    ContractIn,
    ContractView,
    DeclarationIn,
    ProcurementView,
    RankedView,
    ScoreIn,
)
from services.procurement.entrypoints.http.procurements import view
from shared.auth import Principal, current_principal

Caller = Annotated[Principal, Depends(current_principal)]


def contract_view(c: Contract) -> ContractView:
    return ContractView(
        contract_id=c.contract_id,
        procurement_id=c.procurement_id,
        provider_id=c.provider_id,
        title=c.title,
        value=c.value,
        localities=list(c.localities),
        outcomes=list(c.outcomes),
        kpis=[
            {
                "kpi_id": k.kpi_id,
                "name": k.name,
                "unit": k.unit,
                "target": str(k.target),
                "polarity": k.polarity.value,
                "amber_tolerance": str(k.amber_tolerance),
                "red_tolerance": str(k.red_tolerance),
            }
            for k in c.kpis
        ],
        reporting_frequency=c.reporting_frequency,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        funding=[{"fund_id": f.fund_id, "amount": str(f.amount)} for f in c.funding],
        state=c.state,
    )


def awards_router(
    config: ProcurementConfig, uows: UnitOfWorkFactory, vault: BidVault, clock: Clock
) -> APIRouter:
    router = APIRouter(prefix="/procurements/{procurement_id}", tags=["evaluation and award"])

    @router.post(
        "/declarations",
        status_code=204,
        summary="Declare any conflict of interest (panel members, before scoring)",
        response_class=Response,
        responses=errors(*WRITE),
    )
    async def declare(
        principal: Caller, procurement_id: uuid.UUID, body: DeclarationIn
    ) -> Response:
        with refusals_as_http():
            async with uows() as uow:
                await awards.declare(
                    uow, config, principal, procurement_id, body.conflicted, body.note, clock
                )
        return Response(status_code=204)

    @router.post(
        "/scores",
        status_code=204,
        summary="Score a bid's quality (panel members)",
        response_class=Response,
        responses=errors(*WRITE),
    )
    async def score(principal: Caller, procurement_id: uuid.UUID, body: ScoreIn) -> Response:
        with refusals_as_http():
            async with uows() as uow:
                await awards.score(
                    uow,
                    config,
                    principal,
                    procurement_id,
                    (body.bid_id, body.quality, body.rationale),
                    vault,
                    clock,
                )
        return Response(status_code=204)

    @router.get(
        "/ranking",
        summary="The bids ranked by the published weighted criteria",
        response_model=list[RankedView],
        responses=errors(*WRITE),
    )
    async def ranking(principal: Caller, procurement_id: uuid.UUID) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                ranked = await awards.ranking(uow, config, principal, procurement_id, vault)
        return [
            RankedView(
                rank=r.rank,
                bid_id=r.bid_id,
                provider_id=r.provider_id,
                price=r.price,
                quality_score=r.quality_score,
                price_score=r.price_score,
                total=r.total,
            )
            for r in ranked
        ]

    return router


def award_router(
    config: ProcurementConfig, uows: UnitOfWorkFactory, vault: BidVault, clock: Clock
) -> APIRouter:
    """The award decision and the contract it leads to."""
    router = APIRouter(prefix="/procurements/{procurement_id}", tags=["evaluation and award"])

    @router.post(
        "/award",
        summary="Award to the top-ranked bid (JCU: to a named provider); standstill starts",
        response_model=ProcurementView,
        responses=errors(*WRITE),
    )
    async def award(principal: Caller, procurement_id: uuid.UUID, body: AwardIn) -> Any:
        direct = None
        if body.provider_id is not None and body.value is not None:
            direct = awards.DirectAward(body.provider_id, body.value)
        with refusals_as_http():
            async with uows() as uow:
                awarded = await awards.award(
                    uow, config, principal, procurement_id, (body.rationale, direct), vault, clock
                )
        return view(awarded)

    @router.post(
        "/contract",
        status_code=201,
        summary="Enter into the contract after standstill; commits its funding",
        response_model=ContractView,
        responses=errors(*WRITE),
    )
    async def contract(principal: Caller, procurement_id: uuid.UUID, body: ContractIn) -> Any:
        with refusals_as_http():
            spec = Specification(
                kpis=tuple(
                    kpi(
                        (k.kpi_id, k.name, k.unit),
                        k.target,
                        k.polarity.value,
                        (k.amber_tolerance, k.red_tolerance),
                    )
                    for k in body.kpis
                ),
                reporting_frequency=body.reporting_frequency,
                starts_on=body.starts_on,
                ends_on=body.ends_on,
                funding=tuple(Funding(f.fund_id, f.amount) for f in body.funding),
                localities=tuple(body.localities),
                return_due_days=body.return_due_days,
            )
            async with uows() as uow:
                started = await contracts.start_contract(
                    uow, config, principal, procurement_id, spec, clock
                )
        return contract_view(started)

    return router
