"""The ports the projects use cases depend on: repositories and a unit of work taking and
returning domain objects. Adapters implement them on PostgreSQL; unit tests in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from services.projects.domain.gates import Published
from services.projects.domain.priority import Priority
from services.projects.domain.project import Project
from services.projects.domain.standards import SelfEvaluation
from shared.envelope import Envelope


class ProjectRepository(Protocol):
    async def add(self, project: Project) -> None: ...

    async def get(self, project_id: uuid.UUID) -> Project | None: ...

    async def save(self, project: Project) -> bool:
        """Store ``project`` over version ``project.version - 1``; False (nothing stored)
        when the stored version is another: someone changed it meanwhile."""

    async def find(self, localities: Sequence[str] | None) -> list[Project]:
        """Projects for any of ``localities`` or trust-wide (None: every project)."""

    async def past_needs_analysis(self) -> list[Project]:
        """Open projects that have left stage 3."""


@dataclass(frozen=True)
class PublishedNeed:
    need_id: uuid.UUID
    need_key: str
    locality: str | None
    outcomes: tuple[str, ...]
    open: bool = True


class NeedsProjection(Protocol):
    """This service's own copy of what the needs service published (from needs.events.v1)."""

    async def record_need(self, need: PublishedNeed) -> None: ...

    async def resolve_need(self, need_id: uuid.UUID) -> None: ...

    async def record_assessment(self, assessment_id: uuid.UUID, area: str) -> None: ...

    async def published(
        self, needs: Iterable[uuid.UUID], assessments: Iterable[uuid.UUID]
    ) -> Published:
        """Which of the given ids the needs service has published."""

    async def describe(self, needs: Iterable[uuid.UUID]) -> list[PublishedNeed]:
        """The published needs among ``needs``, by key."""


@dataclass(frozen=True)
class AuditEntry:
    """Who decided or changed what, when and why."""

    subject: str
    """What was decided on: `project/<id>`, `priority/<id>`, `self-evaluation/<id>`."""
    actor: str
    roles: tuple[str, ...]
    action: str
    at: datetime
    reasons: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class AuditTrail(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...

    async def of_subject(self, subject: str | None) -> list[AuditEntry]:
        """Entries about ``subject`` (None: every entry), oldest first."""


class PriorityRepository(Protocol):
    async def add(self, priority: Priority) -> None: ...

    async def get(self, priority_id: uuid.UUID) -> Priority | None: ...

    async def find(self, year: str | None) -> list[Priority]:
        """Priorities of ``year`` (None: every year), by year then title."""


class SelfEvaluationRepository(Protocol):
    async def add(self, evaluation: SelfEvaluation) -> None: ...

    async def latest_before(self, as_of: date) -> SelfEvaluation | None:
        """The latest evaluation as of ``as_of`` or earlier (the one a new one moves from)."""

    async def all(self) -> list[SelfEvaluation]:
        """Every evaluation by date, then by when it was recorded."""


class ProjectsUnitOfWork(Protocol):
    """One transaction over the projects repositories and the events it publishes."""

    @property
    def projects(self) -> ProjectRepository: ...

    @property
    def needs(self) -> NeedsProjection: ...

    @property
    def priorities(self) -> PriorityRepository: ...

    @property
    def self_evaluations(self) -> SelfEvaluationRepository: ...

    @property
    def audit(self) -> AuditTrail: ...

    def publish(
        self,
        payload: BaseModel,
        *,
        subject: str,
        locality: str | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope: ...

    async def commit(self) -> None: ...


class PdfUnavailable(RuntimeError):
    """The PDF renderer's library (or its system library) is missing on this machine."""


PdfRenderer = Callable[[str], bytes]
"""Self-contained HTML in, PDF out (the adapter uses WeasyPrint)."""

UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[ProjectsUnitOfWork]]
