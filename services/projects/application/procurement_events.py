"""The procurement service's award and contract decisions, taken through the inbox.

- ``ContractAwarded``: an award on a procurement a project requested is recorded on the
  project by the same use case as the JCU's award over the API (Durham, Section 3, roles
  table "Procure new service"; Gateshead handbook, Activity Three step 9).
- ``ContractStarted``: the contract entered into is recorded on the project, the new
  service introduced (stage 8; Durham, roles table "Introduce new service") with the KPIs
  that stage 9's monitoring takes from the contract (Gateshead handbook, Activity Four).

Both name their project (``project_id``, kept by the procurement service from the
project's ``ProcurementRequested``); an award or contract of a procurement no project
asked for is not this service's business. One for an unknown project, or for one that
asked for no procurement, raises a refusal: the inbox dead-letters it with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from services.projects.application.changes import EventActor
from services.projects.application.errors import NotFound
from services.projects.application.facts import ContractAwarded, add_contract_award, start_contract
from services.projects.application.ports import ProjectsUnitOfWork
from services.projects.domain.project import ContractStart, Project
from shared.contracts import procurement
from shared.envelope import Event
from shared.failpoints import PROJECTS_CONTRACT_STARTED, failpoint

PROCUREMENT = "procurement-events"
"""The actor of a change taken from a procurement event that names no decision-maker."""


def contract_ref(procurement_id: object) -> str:
    """How a procurement's award is referred to on the project."""
    return f"procurement/{procurement_id}"


async def take_procurement_events(events: Sequence[Event[Any]], uow: ProjectsUnitOfWork) -> None:
    for event in events:
        payload = event.payload
        if isinstance(payload, procurement.ContractAwarded) and payload.project_id is not None:
            await _record_award(uow, payload, event)
        elif isinstance(payload, procurement.ContractStarted) and payload.project_id is not None:
            await _record_start(uow, payload, event)


async def _project(uow: ProjectsUnitOfWork, project_id: uuid.UUID | None) -> Project:
    project = await uow.projects.get(project_id) if project_id else None
    if project is None:
        raise NotFound.of("project_id", f"no project {project_id}")
    return project


async def _record_award(
    uow: ProjectsUnitOfWork, awarded: procurement.ContractAwarded, event: Event[Any]
) -> None:
    project = await _project(uow, awarded.project_id)
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


async def _record_start(
    uow: ProjectsUnitOfWork, started: procurement.ContractStarted, event: Event[Any]
) -> None:
    project = await _project(uow, started.project_id)
    if any(s.contract_id == started.contract_id for s in project.contract_starts):
        return  # recorded already
    start = ContractStart(
        contract_id=started.contract_id,
        procurement_id=started.procurement_id,
        provider=started.provider_id,
        value=started.value,
        starts_on=started.starts_on,
        ends_on=started.ends_on,
        reporting_frequency=started.reporting_frequency.value,
        performance_criteria=tuple(
            f"{k.name}: target {k.target} {k.unit} ({k.polarity.value.replace('_', ' ')})"
            for k in started.kpis
        ),
        started_at=started.started_at,
    )
    await start_contract(uow, EventActor(PROCUREMENT, frozenset(), event.envelope), project, start)
    failpoint(PROJECTS_CONTRACT_STARTED)
