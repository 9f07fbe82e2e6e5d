"""Key improvement priorities and the Annual Commissioning Plan. The Executive Board agrees
priorities and targets (Durham, Section 3, "The Children's Executive Board", duty 1;
Medway, paragraph 5.2); the plan lists the commissioning under each priority (Durham,
Section 2, "the Annual Commissioning Plan"), and the JCU reports progress on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.projects.application.changes import now
from services.projects.application.config import ProjectsConfig
from services.projects.application.errors import Problem, Unprocessable
from services.projects.application.ports import AuditEntry, ProjectsUnitOfWork
from services.projects.application.projects import visible_projects
from services.projects.domain.priority import Priority
from services.projects.domain.project import Project
from shared.auth import Principal
from shared.contracts.projects import PriorityAgreed

YEAR = r"^[0-9]{4}/[0-9]{2}$"
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]


class PriorityFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: str = Field(pattern=YEAR, description="The plan year, e.g. 2026/27.")
    title: Text
    description: Annotated[str, Field(max_length=4000, pattern=r"^[^\x00]*$")] = ""
    outcomes: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=20)
    lead_commissioner: Text


def check_year(year: str) -> None:
    """2026/27: the second part is the year after the first."""
    first, second = year.split("/")
    if (int(first) + 1) % 100 != int(second):
        raise Unprocessable.of("year", f"{year!r}: the second year must follow the first")


async def agree_priority(
    uow: ProjectsUnitOfWork, config: ProjectsConfig, principal: Principal, fields: PriorityFields
) -> Priority:
    check_year(fields.year)
    unknown = [o for o in fields.outcomes if o not in config.outcomes]
    if unknown:
        rule = "{} not in the trust's outcome framework".format(", ".join(map(repr, unknown)))
        raise Unprocessable([Problem("outcomes", rule)])
    priority = Priority(
        priority_id=uuid.uuid4(),
        year=fields.year,
        title=fields.title,
        description=fields.description,
        outcomes=tuple(dict.fromkeys(fields.outcomes)),
        lead_commissioner=fields.lead_commissioner,
        agreed_by=principal.subject,
        agreed_at=now(),
    )
    await uow.priorities.add(priority)
    subject = f"priority/{priority.priority_id}"
    await uow.audit.record(
        AuditEntry(subject, principal.subject, tuple(sorted(principal.roles)), "priority_agreed",
                   priority.agreed_at, fields.description, {"year": fields.year})
    )  # fmt: skip
    uow.publish(
        PriorityAgreed(
            priority_id=priority.priority_id,
            year=priority.year,
            title=priority.title,
            outcomes=list(priority.outcomes),
            lead_commissioner=priority.lead_commissioner,
            agreed_by=priority.agreed_by,
            agreed_at=priority.agreed_at,
        ),
        subject=subject,
    )
    return priority


def behind_calendar(project: Project, config: ProjectsConfig, today: date) -> bool:
    """Still in an activity whose months have passed this cycle year (the calendar)."""
    if project.completed:
        return False
    return config.calendar.behind(config.stage_activities[project.stage], today.month)


@dataclass(frozen=True)
class PlanEntry:
    priority: Priority
    projects: list[Project]


async def annual_plan(
    uow: ProjectsUnitOfWork, principal: Principal, year: str
) -> tuple[list[PlanEntry], list[Project]]:
    """The year's priorities with the projects under each that the caller may see, and the
    visible projects linked to no priority of the year."""
    check_year(year)
    priorities = await uow.priorities.find(year)
    projects = await visible_projects(uow, principal, None)
    entries = [
        PlanEntry(p, [x for x in projects if x.priority_id == p.priority_id]) for p in priorities
    ]
    listed = {p.priority_id for p in priorities}
    return entries, [x for x in projects if x.priority_id not in listed]
