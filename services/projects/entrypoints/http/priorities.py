"""Key improvement priorities, agreed by the Executive Board, and the Annual Commissioning
Plan listing the projects under each (Durham, Section 2, "Commissioning Plans and
Priorities"); the trust-wide audit trail of decisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, status
from pydantic import BaseModel, Field

from services.projects.application import priorities as use_cases
from services.projects.application.changes import READERS
from services.projects.application.config import ProjectsConfig
from services.projects.application.ports import UnitOfWorkFactory
from services.projects.domain.priority import Priority
from services.projects.entrypoints.http.errors import AUTHENTICATED, errors, refusals_as_http
from services.projects.entrypoints.http.models import (
    AuditEntryView,
    ProjectView,
    audit_view,
    project_view,
)
from shared.auth import Principal, Role, require_roles

Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Board = Annotated[Principal, Depends(require_roles(Role.EXECUTIVE_BOARD))]
Overseer = Annotated[Principal, Depends(require_roles(Role.EXECUTIVE_BOARD, Role.JCU))]
Year = Annotated[
    str, Path(pattern=r"^[0-9]{4}-[0-9]{2}$", description="The plan year, 2026-27 for 2026/27.")
]


class PriorityView(BaseModel):
    priority_id: uuid.UUID
    year: str
    title: str
    description: str
    outcomes: list[str]
    lead_commissioner: str
    agreed_by: str
    agreed_at: datetime


class PlanPriority(BaseModel):
    priority: PriorityView
    projects: list[ProjectView]


class AnnualCommissioningPlan(BaseModel):
    year: str
    priorities: list[PlanPriority]
    unprioritised: list[ProjectView] = Field(
        description="Projects the caller may see that are linked to no priority of the year."
    )


def priority_view(p: Priority) -> PriorityView:
    return PriorityView(**{**vars(p), "outcomes": list(p.outcomes)})


def priorities_router(config: ProjectsConfig, uows: UnitOfWorkFactory) -> APIRouter:
    router = APIRouter(tags=["priorities and the annual commissioning plan"])

    @router.post(
        "/priorities",
        summary="Agree a key improvement priority for a plan year",
        status_code=status.HTTP_201_CREATED,
        response_model=PriorityView,
        responses=errors(*AUTHENTICATED, 413, 422),
    )
    async def agree(
        principal: Board, fields: Annotated[use_cases.PriorityFields, Body()]
    ) -> PriorityView:
        with refusals_as_http():
            async with uows() as uow:
                priority = await use_cases.agree_priority(uow, config, principal, fields)
                await uow.commit()
        return priority_view(priority)

    @router.get(
        "/priorities",
        summary="Agreed priorities",
        response_model=list[PriorityView],
        responses=errors(*AUTHENTICATED, 422),
    )
    async def list_priorities(
        principal: Reader,
        year: Annotated[str | None, Query(pattern=use_cases.YEAR)] = None,
    ) -> list[PriorityView]:
        with refusals_as_http():
            if year is not None:
                use_cases.check_year(year)
        async with uows() as uow:
            found = await uow.priorities.find(year)
        return [priority_view(p) for p in found]

    @router.get(
        "/plans/{year}",
        summary="The Annual Commissioning Plan: projects under each priority of the year",
        response_model=AnnualCommissioningPlan,
        responses=errors(*AUTHENTICATED, 422),
    )
    async def plan(principal: Reader, year: Year) -> AnnualCommissioningPlan:
        plan_year = year.replace("-", "/")
        with refusals_as_http():
            async with uows() as uow:
                entries, rest = await use_cases.annual_plan(uow, principal, plan_year)
        return AnnualCommissioningPlan(
            year=plan_year,
            priorities=[
                PlanPriority(
                    priority=priority_view(e.priority),
                    projects=[project_view(p, config) for p in e.projects],
                )
                for e in entries
            ],
            unprioritised=[project_view(p, config) for p in rest],
        )

    @router.get(
        "/audit",
        summary="Every decision and change: who, what, when and why",
        response_model=list[AuditEntryView],
        responses=errors(*AUTHENTICATED, 422),
    )
    async def audit(
        principal: Overseer,
        subject: Annotated[
            str | None, Query(max_length=200, pattern=r"^[a-z-]+/[0-9a-f-]+$")
        ] = None,
    ) -> list[AuditEntryView]:
        """The Executive Board and the JCU see the whole trail (Durham, Section 3)."""
        async with uows() as uow:
            entries = await uow.audit.of_subject(subject)
        return [audit_view(e) for e in entries]

    return router
