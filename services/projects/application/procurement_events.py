"""The procurement service's award decisions, taken through the inbox: an award on a
procurement a project requested is recorded on the project by the same use case as the
JCU's award over the API (Durham, Section 3, roles table "Procure new service";
Gateshead handbook, Activity Three step 9).

An award names its project (``ContractAwarded.project_id``, kept by the procurement
service from the project's ``ProcurementRequested``); an award of a procurement no project
asked for is not this service's business. An award for an unknown project, or for one
that asked for no procurement, raises a refusal: the inbox dead-letters it with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.projects.application.changes import EventActor
from services.projects.application.errors import NotFound
from services.projects.application.facts import ContractAwarded, add_contract_award
from services.projects.application.ports import ProjectsUnitOfWork
from shared.contracts import procurement
from shared.envelope import Event


def contract_ref(procurement_id: object) -> str:
    """How a procurement's award is referred to on the project."""
    return f"procurement/{procurement_id}"


async def take_procurement_events(events: Sequence[Event[Any]], uow: ProjectsUnitOfWork) -> None:
    for event in events:
        payload = event.payload
        if isinstance(payload, procurement.ContractAwarded) and payload.project_id is not None:
            await _record_award(uow, payload, event)


async def _record_award(
    uow: ProjectsUnitOfWork, awarded: procurement.ContractAwarded, event: Event[Any]
) -> None:
    project = await uow.projects.get(awarded.project_id) if awarded.project_id else None
    if project is None:
        raise NotFound.of("project_id", f"no project {awarded.project_id}")
    award = ContractAwarded(
        contract_ref=contract_ref(awarded.procurement_id),
        provider=awarded.provider_id,
        value=awarded.value,
        awarded_at=awarded.awarded_at,
    )
    if any(a.contract_ref == award.contract_ref for a in project.contract_awards):
        return  # recorded already (over the API, under the same reference)
    actor = EventActor(awarded.awarded_by, frozenset(), event.envelope)
    await add_contract_award(uow, actor, project, award)
