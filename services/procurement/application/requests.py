"""Accepting a procurement request and routing it by value (Durham framework, section 3).

``ProcurementRequest`` is the command both the HTTP API and, once the projects service
publishes it, the ``ProcurementRequested`` event map onto; ``request_id`` makes a replay
of the same request (a retried POST or a redelivered event) return the same procurement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from services.procurement.application.common import (
    Conflict,
    Problem,
    ProcurementConfig,
    check_locality,
    require_commissioner,
)
from services.procurement.application.ports import AuditEntry, Clock, ProcurementUnitOfWork
from services.procurement.domain.procurement import Procurement, ProcurementState
from services.procurement.domain.routing import choose_route
from shared.auth.policy import Principal
from shared.contracts.procurement import ProcurementOpened
from shared.contracts.procurement import Route as ContractRoute
from shared.envelope import Envelope
from shared.failpoints import PROCUREMENT_OPENED, failpoint


@dataclass(frozen=True)
class ProcurementRequest:
    request_id: uuid.UUID
    title: str
    locality: str
    priority: str
    value: Decimal
    specialist: bool
    outcomes: tuple[str, ...]
    project_id: uuid.UUID | None = None


def _same_request(existing: Procurement, request: ProcurementRequest) -> Procurement:
    """A replayed request is answered with what it opened, but only if it asks the same:
    a request id reused for another title, place, value or purpose is refused (409), never
    silently answered with a procurement the caller did not ask for."""
    asked = (
        request.title,
        request.locality,
        request.priority,
        request.value,
        request.specialist,
        tuple(request.outcomes),
    )
    held = (
        existing.title,
        existing.locality,
        existing.priority,
        existing.value,
        existing.specialist,
        tuple(existing.outcomes),
    )
    if asked != held:
        raise Conflict(
            "request_id",
            f"request {request.request_id} was already made with other content; "
            "use a new request_id for a different request",
        )
    return existing


def subject_of(procurement_id: uuid.UUID) -> str:
    return f"procurement/{procurement_id}"


async def open_procurement(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    principal: Principal,
    request: ProcurementRequest,
    clock: Clock,
) -> tuple[Procurement, bool]:
    """A commissioner's request over the API: see ``accept_request``."""
    require_commissioner(principal)
    return await accept_request(uow, config, request, principal.subject, clock)


async def accept_request(
    uow: ProcurementUnitOfWork,
    config: ProcurementConfig,
    request: ProcurementRequest,
    requested_by: str,
    clock: Clock,
    *,
    caused_by: Envelope | None = None,
) -> tuple[Procurement, bool]:
    """Route and record the request; (procurement, True) when newly opened, (existing,
    False) when this ``request_id`` was seen before. The consumer of the projects
    service's ``ProcurementRequested`` calls this with the project's decision-maker as
    ``requested_by``, the event's ``request_id`` and the event as ``caused_by``."""
    check_locality(request.locality, config)
    unknown = sorted(set(request.outcomes) - config.outcomes)
    if unknown:
        raise Problem("outcomes", f"unknown outcomes {unknown}; known: {sorted(config.outcomes)}")
    procurement_id = uuid.uuid5(uuid.NAMESPACE_URL, f"procurement-request/{request.request_id}")
    existing = await uow.procurements.get(procurement_id)
    if existing is not None:
        return _same_request(existing, request), False
    routing = choose_route(
        request.value, specialist=request.specialist, select_list_below=config.select_list_below
    )
    now = clock()
    procurement = Procurement(
        procurement_id=procurement_id,
        title=request.title,
        locality=request.locality,
        priority=request.priority,
        value=request.value,
        specialist=request.specialist,
        outcomes=request.outcomes,
        routing=routing,
        state=ProcurementState.REQUESTED,
        requested_by=requested_by,
        opened_at=now,
    )
    if not await uow.procurements.add(procurement):
        # The same request, accepted concurrently by another transaction that has committed.
        found = await uow.procurements.get(procurement_id)
        assert found is not None
        return _same_request(found, request), False
    if request.project_id is not None:
        await uow.procurements.link_project(procurement_id, request.project_id)
    await uow.audit.record(
        AuditEntry(
            at=now,
            actor=requested_by,
            action="procurement.routed",
            reason=routing.rule,
            procurement_id=procurement_id,
            locality=request.locality,
            detail={"route": routing.route.value, "value": f"{request.value:.2f}"},
        )
    )
    uow.publish(
        ProcurementOpened(
            procurement_id=procurement_id,
            request_id=request.request_id,
            title=request.title,
            locality=request.locality,
            priority=request.priority,
            value=request.value,
            specialist=request.specialist,
            outcomes=list(request.outcomes),
            route=ContractRoute(routing.route.value),
            route_rule=routing.rule,
            project_id=request.project_id,
            opened_at=now,
        ),
        subject=subject_of(procurement_id),
        locality=request.locality,
        caused_by=caused_by,
    )
    failpoint(PROCUREMENT_OPENED)
    await uow.commit()
    return procurement, True
