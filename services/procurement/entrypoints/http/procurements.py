"""Procurements: requests routed by value, their tenders, sealed bids and close."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from services.procurement.application import requests, tenders
from services.procurement.application.common import ProcurementConfig, rules_as_problems
from services.procurement.application.ports import BidVault, Clock, UnitOfWorkFactory
from services.procurement.application.requests import ProcurementRequest
from services.procurement.domain.procurement import Criteria, Procurement
from services.procurement.entrypoints.http.errors import READ, WRITE, errors, refusals_as_http
from services.procurement.entrypoints.http.models import (
    BidIn,
    BidReceipt,
    OpenedBid,
    ProcurementRequestIn,
    ProcurementView,
    TenderIn,
)
from shared.auth import Principal, current_principal

Caller = Annotated[Principal, Depends(current_principal)]


def view(p: Procurement) -> ProcurementView:
    return ProcurementView(
        procurement_id=p.procurement_id,
        title=p.title,
        locality=p.locality,
        priority=p.priority,
        value=p.value,
        specialist=p.specialist,
        outcomes=list(p.outcomes),
        route=p.route,
        route_rule=p.routing.rule,
        state=p.state,
        requested_by=p.requested_by,
        opened_at=p.opened_at,
        deadline=p.deadline,
        quality_weight=p.criteria.quality_weight if p.criteria else None,
        price_weight=p.criteria.price_weight if p.criteria else None,
        closed_at=p.closed_at,
        awarded_provider=p.awarded_provider,
        award_value=p.award_value,
        award_rationale=p.award_rationale,
        standstill_ends=p.standstill_ends,
    )


def procurements_router(
    config: ProcurementConfig, uows: UnitOfWorkFactory, vault: BidVault, clock: Clock
) -> APIRouter:
    router = APIRouter(prefix="/procurements", tags=["procurements"])

    @router.post(
        "",
        status_code=201,
        summary="Request a procurement; it is routed by value",
        response_model=ProcurementView,
        responses={
            200: {
                "model": ProcurementView,
                "description": "The same request_id was already accepted.",
            },
            **errors(*WRITE),
        },
    )
    async def request(principal: Caller, body: ProcurementRequestIn, response: Response) -> Any:
        command = ProcurementRequest(
            body.request_id,
            body.title,
            body.locality,
            body.priority,
            body.value,
            body.specialist,
            tuple(body.outcomes),
            body.project_id,
        )
        with refusals_as_http():
            async with uows() as uow:
                procurement, new = await requests.open_procurement(
                    uow, config, principal, command, clock
                )
        if not new:
            response.status_code = 200
        return view(procurement)

    @router.get(
        "",
        summary="Procurements visible to the caller",
        response_model=list[ProcurementView],
        responses=errors(*READ),
    )
    async def listed(principal: Caller) -> Any:
        async with uows() as uow:
            return [view(p) for p in await tenders.procurements_visible(uow, config, principal)]

    @router.get(
        "/{procurement_id}",
        summary="One procurement",
        response_model=ProcurementView,
        responses=errors(*READ),
    )
    async def one(principal: Caller, procurement_id: uuid.UUID) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                return view(await tenders.procurement_for(uow, config, principal, procurement_id))

    @router.post(
        "/{procurement_id}/tender",
        summary="Publish the tender notice",
        response_model=ProcurementView,
        responses=errors(*WRITE),
    )
    async def publish(principal: Caller, procurement_id: uuid.UUID, body: TenderIn) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                with rules_as_problems():
                    criteria = Criteria(body.quality_weight, body.price_weight)
                published = await tenders.publish_tender(
                    uow, config, principal, procurement_id, body.deadline, criteria, vault, clock
                )
        return view(published)

    return router


def bids_router(
    config: ProcurementConfig, uows: UnitOfWorkFactory, vault: BidVault, clock: Clock
) -> APIRouter:
    """Sealed bids and the close that opens them."""
    router = APIRouter(prefix="/procurements", tags=["bids"])

    @router.post(
        "/{procurement_id}/bids",
        status_code=201,
        summary="Submit a sealed bid (providers)",
        response_model=BidReceipt,
        responses=errors(*WRITE),
    )
    async def bid(principal: Caller, procurement_id: uuid.UUID, body: BidIn) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                sealed = await tenders.submit_bid(
                    uow,
                    config,
                    principal,
                    procurement_id,
                    (body.price, body.proposal),
                    vault,
                    clock,
                )
        return BidReceipt(
            bid_id=sealed.bid_id, provider_id=sealed.provider_id, received_at=sealed.received_at
        )

    @router.get(
        "/{procurement_id}/bids",
        summary="Who bid and when (a provider: its own)",
        response_model=list[BidReceipt],
        responses=errors(*READ),
    )
    async def receipts(principal: Caller, procurement_id: uuid.UUID) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                bids = await tenders.bid_receipts(uow, config, principal, procurement_id)
        return [
            BidReceipt(bid_id=b.bid_id, provider_id=b.provider_id, received_at=b.received_at)
            for b in bids
        ]

    @router.get(
        "/{procurement_id}/bids/opened",
        summary="Bid contents and prices, after close only",
        response_model=list[OpenedBid],
        responses=errors(*WRITE),
    )
    async def opened(principal: Caller, procurement_id: uuid.UUID) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                bids = await tenders.opened_bids(uow, config, principal, procurement_id, vault)
        return [
            OpenedBid(
                bid_id=b.bid_id,
                provider_id=b.provider_id,
                received_at=b.received_at,
                price=b.price,
                proposal=b.proposal,
            )
            for b in bids
        ]

    @router.post(
        "/{procurement_id}/close",
        summary="Close at the deadline and open the bids",
        response_model=ProcurementView,
        responses=errors(*WRITE),
    )
    async def close(principal: Caller, procurement_id: uuid.UUID) -> Any:
        with refusals_as_http():
            async with uows() as uow:
                closed = await tenders.close_tender(
                    uow, config, principal, procurement_id, vault, clock
                )
        return view(closed)

    return router
