"""Facts from later in the cycle: a contract awarded for the project's service (from the
procurement service's events, or by API for an award made outside the platform), and
performance reviews or escalations of it, accepted by API until the monitoring service
publishes them (Durham, Section 3, roles table "Procure new service",
"Monitor contract")."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.projects.application.changes import EventActor, store_change, visible_project
from services.projects.application.errors import Conflict
from services.projects.application.ports import ProjectsUnitOfWork
from services.projects.domain.project import (
    ContractAward,
    ContractStart,
    PerformanceReview,
    Project,
)
from shared.auth import Principal

Short = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]


class ContractAwarded(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_ref: Short
    provider: Short
    value: Decimal = Field(ge=0, le=Decimal("1e12"), decimal_places=2)
    awarded_at: AwareDatetime


class PerformanceReviewed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: Annotated[str, Field(min_length=1, max_length=4000, pattern=r"^[^\x00]*$")]
    rating: Literal["red", "amber", "green"]
    escalated: bool = False
    reviewed_at: AwareDatetime


async def record_contract_award(
    uow: ProjectsUnitOfWork, principal: Principal, project_id: uuid.UUID, award: ContractAwarded
) -> Project:
    """A contract award recorded over the API (the JCU); see ``add_contract_award``."""
    project = await visible_project(uow, principal, project_id)
    return await add_contract_award(uow, principal, project, award)


async def add_contract_award(
    uow: ProjectsUnitOfWork,
    actor: Principal | EventActor,
    project: Project,
    award: ContractAwarded,
) -> Project:
    """Only a project whose stage-6 decision asked for procurement has a contract to award;
    the same contract reference is taken once."""
    if not project.procurement_requested:
        raise Conflict.of("project_id", "no procurement was requested for this project")
    if any(a.contract_ref == award.contract_ref for a in project.contract_awards):
        raise Conflict.of("contract_ref", f"contract {award.contract_ref!r} already recorded")
    fact = ContractAward(award.contract_ref, award.provider, award.value, award.awarded_at)
    changed = project.changed(contract_awards=(*project.contract_awards, fact))
    detail = {"contract_ref": award.contract_ref, "provider": award.provider}
    return await store_change(uow, actor, changed, "contract_awarded", detail=detail)


async def start_contract(
    uow: ProjectsUnitOfWork, actor: EventActor, project: Project, start: ContractStart
) -> Project:
    """The project's service is in place: only a project that asked for procurement has a
    contract to start, and each contract starts once."""
    if not project.procurement_requested:
        raise Conflict.of("project_id", "no procurement was requested for this project")
    if any(s.contract_id == start.contract_id for s in project.contract_starts):
        raise Conflict.of("contract_id", f"contract {start.contract_id} already started")
    changed = project.changed(contract_starts=(*project.contract_starts, start))
    detail = {
        "contract_id": str(start.contract_id),
        "provider": start.provider,
        "starts_on": start.starts_on.isoformat(),
    }
    return await store_change(uow, actor, changed, "contract_started", detail=detail)


async def record_performance_review(
    uow: ProjectsUnitOfWork,
    principal: Principal,
    project_id: uuid.UUID,
    review: PerformanceReviewed,
) -> Project:
    """A review needs a contract in place to review."""
    project = await visible_project(uow, principal, project_id)
    if not project.contract_awards:
        raise Conflict.of("project_id", "no contract has been awarded for this project")
    fact = PerformanceReview(review.summary, review.rating, review.escalated, review.reviewed_at)
    changed = project.changed(performance_reviews=(*project.performance_reviews, fact))
    detail = {"rating": review.rating, "escalated": review.escalated}
    return await store_change(
        uow, principal, changed, "performance_reviewed", reasons=review.summary, detail=detail
    )
