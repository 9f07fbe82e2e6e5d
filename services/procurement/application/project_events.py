"""The projects service's stage-6 hand-overs, taken through the inbox (Gateshead
commissioning handbook, Activity Three steps 2, 5 and 9; Durham Children's Trust
framework, section 3, roles table "Procure new service" and "Decommission old service").

- ``ProcurementRequested`` opens a procurement routed by value, exactly as a
  commissioner's request over the API does (``accept_request``), linked to its project.
- ``DecommissioningDecided`` terminates the active contracts of the project's
  procurements. The decision was the JCU's, which decides every stage-6 gate; the audit
  trail records the decision-maker, the body and the event that carried it.

A request this service cannot run (a grant, an in-house service, a service with no single
locality, a route the value rule contradicts) raises ``Problem``: the inbox dead-letters
it with the reason and carries on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from services.procurement.application.changes import Decider, end_contract
from services.procurement.application.common import Problem, ProcurementConfig
from services.procurement.application.ports import AuditEntry, Clock, ProcurementUnitOfWork
from services.procurement.application.requests import ProcurementRequest, accept_request
from services.procurement.domain.contract import Contract
from services.procurement.domain.routing import choose_route
from shared.contracts.projects import (
    DecommissioningDecided,
    ProcurementRequested,
    ProcurementRoute,
)
from shared.envelope import Envelope, Event

STAGE_SIX_BODY = "jcu"
"""Who decides a project's stage-6 gate (Durham, section 3, roles table: the JCU
identifies what needs to change and decommissions the old service)."""

BOUGHT_HERE = {ProcurementRoute.SELECT_LIST, ProcurementRoute.OPEN_TENDER}


async def take_project_events(
    events: Sequence[Event[Any]],
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    clock: Clock,
) -> None:
    for event in events:
        payload = event.payload
        if isinstance(payload, ProcurementRequested):
            await open_requested(uow, config, payload, event.envelope, clock)
        elif isinstance(payload, DecommissioningDecided):
            await decommission(uow, payload, event.envelope, clock)


def procurement_request(
    requested: ProcurementRequested, config: ProcurementConfig
) -> ProcurementRequest:
    """The command a ``ProcurementRequested`` maps onto. A locality's service has one
    locality; its select-list priority is the first outcome it serves."""
    if requested.route not in BOUGHT_HERE:
        raise Problem(
            "route",
            f"a {requested.route.value} service is not bought through a procurement; "
            "procurement runs select_list and open_tender",
        )
    if len(requested.localities) != 1:
        raise Problem(
            "localities",
            f"a procurement is for exactly one locality; the request names "
            f"{len(requested.localities)}",
        )
    routing = choose_route(
        requested.estimated_value, specialist=False, select_list_below=config.select_list_below
    )
    if routing.route.value != requested.route.value:
        raise Problem(
            "route",
            f"the JCU agreed {requested.route.value} but £{requested.estimated_value:,.2f} "
            f"routes to {routing.route.value}: {routing.rule}",
        )
    return ProcurementRequest(
        request_id=requested.request_id,
        title=requested.title,
        locality=requested.localities[0],
        priority=requested.outcomes[0],
        value=requested.estimated_value,
        specialist=False,
        outcomes=tuple(requested.outcomes),
        project_id=requested.project_id,
    )


async def open_requested(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    requested: ProcurementRequested,
    cause: Envelope,
    clock: Clock,
) -> None:
    request = procurement_request(requested, config)
    await accept_request(uow, config, request, requested.requested_by, clock, caused_by=cause)


def _last_day(contract: Contract, decided_on: date) -> date:
    """The decision's date, within the contract's term; a contract decided against before
    it starts ends the day after its first (a contract's term is at least that long)."""
    return min(max(decided_on, contract.starts_on + timedelta(days=1)), contract.ends_on)


async def decommission(
    uow: ProcurementUnitOfWork,
    decided: DecommissioningDecided,
    cause: Envelope,
    clock: Clock,
) -> None:
    decider = Decider(decided.decided_by, body=STAGE_SIX_BODY, cause=cause)
    reason = (
        f"decommissioning decided at project {decided.project_id}'s stage-6 gate "
        f"({decided.service_description}); impact: {decided.impact_assessment}"
    )
    active = [c for c in await uow.contracts.of_project(decided.project_id) if c.state == "active"]
    for contract in active:
        ending = (_last_day(contract, decided.decided_at.date()), reason)
        await end_contract(uow, contract, ending, decider, clock)
    if not active:
        await uow.audit.record(
            AuditEntry(
                at=clock(),
                actor=decided.decided_by,
                action="decommissioning.no_active_contract",
                reason=reason,
                detail={
                    "project_id": str(decided.project_id),
                    "body": STAGE_SIX_BODY,
                    "caused_by": str(cause.id),
                },
            )
        )
