"""In-memory adapters of the projects ports. Each unit of work works on a copy of the
`FakeDatabase` and writes it back only on commit, as a transaction would; a save over a
version other than the stored one stores nothing, as the real table's does."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import BaseModel

from services.projects.application.ports import (
    AuditEntry,
    ProjectsUnitOfWork,
    PublishedNeed,
    UnitOfWorkFactory,
)
from services.projects.domain.gates import Published
from services.projects.domain.priority import Priority
from services.projects.domain.project import Project
from services.projects.domain.standards import SelfEvaluation
from shared.contracts.registry import registry
from shared.envelope import Envelope


@dataclass
class FakeDatabase:
    projects: dict[uuid.UUID, Project] = field(default_factory=dict)
    needs: dict[uuid.UUID, PublishedNeed] = field(default_factory=dict)
    assessments: dict[uuid.UUID, str] = field(default_factory=dict)
    priorities: dict[uuid.UUID, Priority] = field(default_factory=dict)
    evaluations: list[SelfEvaluation] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    published: list[tuple[BaseModel, str]] = field(default_factory=list)
    causes: list[Envelope | None] = field(default_factory=list)

    def events(self, kind: type[BaseModel]) -> list[Any]:
        return [payload for payload, _ in self.published if isinstance(payload, kind)]


class FakeProjects:
    """Saves check the version against what other units of work committed meanwhile too, as
    the real table's `WHERE version = ...` does under concurrent transactions."""

    def __init__(self, db: FakeDatabase, committed: FakeDatabase) -> None:
        self.db = db
        self.committed = committed

    async def add(self, project: Project) -> None:
        assert project.project_id not in self.db.projects
        self.db.projects[project.project_id] = project

    async def get(self, project_id: uuid.UUID) -> Project | None:
        return self.db.projects.get(project_id)

    async def save(self, project: Project) -> bool:
        expected = project.version - 1
        for stored in (
            self.db.projects.get(project.project_id),
            self.committed.projects.get(project.project_id),
        ):
            if stored is None or stored.version != expected:
                return False
        self.db.projects[project.project_id] = project
        return True

    async def find(self, localities: Sequence[str] | None) -> list[Project]:
        return sorted(
            (
                p
                for p in self.db.projects.values()
                if localities is None or p.trust_wide or set(localities) & set(p.localities)
            ),
            key=lambda p: (p.title, p.project_id),
        )

    async def past_needs_analysis(self) -> list[Project]:
        return [p for p in self.db.projects.values() if p.stage > 3 and not p.completed]


class FakeNeeds:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def record_need(self, need: PublishedNeed) -> None:
        self.db.needs.setdefault(need.need_id, need)

    async def resolve_need(self, need_id: uuid.UUID) -> None:
        if need_id in self.db.needs:
            self.db.needs[need_id] = replace(self.db.needs[need_id], open=False)

    async def describe(self, needs: Iterable[uuid.UUID]) -> list[PublishedNeed]:
        found = [self.db.needs[n] for n in needs if n in self.db.needs]
        return sorted(found, key=lambda n: n.need_key)

    async def record_assessment(self, assessment_id: uuid.UUID, area: str) -> None:
        self.db.assessments.setdefault(assessment_id, area)

    async def published(
        self, needs: Iterable[uuid.UUID], assessments: Iterable[uuid.UUID]
    ) -> Published:
        return Published(
            frozenset(n for n in needs if n in self.db.needs),
            frozenset(a for a in assessments if a in self.db.assessments),
        )


class FakePriorities:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, priority: Priority) -> None:
        self.db.priorities[priority.priority_id] = priority

    async def get(self, priority_id: uuid.UUID) -> Priority | None:
        return self.db.priorities.get(priority_id)

    async def find(self, year: str | None) -> list[Priority]:
        found = [p for p in self.db.priorities.values() if year is None or p.year == year]
        return sorted(found, key=lambda p: (p.year, p.title, p.priority_id))


class FakeSelfEvaluations:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, evaluation: SelfEvaluation) -> None:
        self.db.evaluations.append(evaluation)

    async def latest_before(self, as_of: date) -> SelfEvaluation | None:
        earlier = [e for e in await self.all() if e.as_of <= as_of]
        return earlier[-1] if earlier else None

    async def all(self) -> list[SelfEvaluation]:
        return sorted(self.db.evaluations, key=lambda e: (e.as_of, e.recorded_at))


class FakeAudit:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def record(self, entry: AuditEntry) -> None:
        self.db.audit.append(entry)

    async def of_subject(self, subject: str | None) -> list[AuditEntry]:
        return [e for e in self.db.audit if subject is None or e.subject == subject]


class FakeUnitOfWork:
    def __init__(self, committed: FakeDatabase) -> None:
        self.committed = committed
        self.working = copy.deepcopy(committed)
        self.projects = FakeProjects(self.working, committed)
        self.needs = FakeNeeds(self.working)
        self.audit = FakeAudit(self.working)
        self.priorities = FakePriorities(self.working)
        self.self_evaluations = FakeSelfEvaluations(self.working)

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        self.working.published.append((payload, subject))
        self.working.causes.append(caused_by)
        return registry.envelope(payload, source="projects", subject=subject, trust="test")

    async def commit(self) -> None:
        self.committed.__dict__.update(copy.deepcopy(self.working).__dict__)


def fake_unit_of_work(db: FakeDatabase) -> UnitOfWorkFactory:
    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[ProjectsUnitOfWork]:
        yield FakeUnitOfWork(db)

    return open_unit_of_work
