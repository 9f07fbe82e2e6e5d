"""Scoping and the strategy document: a project answers the Urbanham scoping questions
(Urbanham, section 8 and toolkit appendix 2), and its strategy is rendered in the
template's sections from what it holds (Urbanham, toolkit appendix 1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.projects.application.changes import check_version, store_change, visible_project
from services.projects.application.errors import Problem, Unprocessable
from services.projects.application.ports import ProjectsUnitOfWork
from services.projects.domain.project import Project
from services.projects.domain.scoping import QUESTIONS
from services.projects.domain.strategy import CitedNeed, Section, strategy
from shared.auth import Principal

Answer = Annotated[str, Field(max_length=4000, pattern=r"^[^\x00]*$")]


class ScopingAnswers(BaseModel):
    """Answers by question number (1-18); an empty answer clears one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answers: dict[int, Answer] = Field(max_length=len(QUESTIONS))


async def answer_scoping(
    uow: ProjectsUnitOfWork,
    principal: Principal,
    project_id: uuid.UUID,
    version: int,
    given: ScopingAnswers,
) -> Project:
    unknown = [n for n in given.answers if n not in QUESTIONS]
    if unknown:
        rule = f"questions are numbered 1 to {len(QUESTIONS)}; got {sorted(unknown)}"
        raise Unprocessable([Problem("answers", rule)])
    project = await visible_project(uow, principal, project_id)
    check_version(project, version)
    project.require_open()
    answers = {**project.scoping, **given.answers}
    kept = {n: a for n, a in sorted(answers.items()) if a.strip()}
    changed = project.changed(scoping=kept)
    detail = {"questions": sorted(given.answers)}
    return await store_change(uow, principal, changed, "scoping_answered", detail=detail)


async def strategy_of(
    uow: ProjectsUnitOfWork, principal: Principal, project_id: uuid.UUID
) -> tuple[Project, list[Section]]:
    project = await visible_project(uow, principal, project_id)
    priority = None
    if project.priority_id is not None:
        found = await uow.priorities.get(project.priority_id)
        priority = found.title if found else None
    analysis = project.evidence.needs_analysis
    cited = await uow.needs.describe(analysis.cited_needs if analysis else ())
    needs = [CitedNeed(n.need_key, n.open) for n in cited]
    return project, strategy(project, priority, needs)
