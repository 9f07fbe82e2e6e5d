"""A commissioning project: one piece of commissioning through the nine stages, at one
level, for some localities and outcomes (Gateshead, "The Nine Step Commissioning
Framework"; Durham, Section 3, "Levels of Commissioning" and "Outcome Groups")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from services.projects.domain.evidence import Evidence
from services.projects.domain.gates import LAST_STAGE


class Level(StrEnum):
    INDIVIDUAL = "individual"
    LOCALITY = "locality"
    STRATEGIC = "strategic"


class Status(StrEnum):
    ACTIVE = "active"
    FLAGGED_FOR_REVIEW = "flagged_for_review"
    COMPLETED = "completed"


class StateConflict(Exception):
    """The project's state does not allow the change (a 409): field and rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(rule)
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class ReviewFlag:
    """Why the project must be reviewed: a need it rests on changed after stage 3."""

    reason: str
    need_id: uuid.UUID
    need_key: str
    flagged_at: datetime


@dataclass(frozen=True)
class ContractAward:
    """A contract awarded for the project's service (from procurement; by API for now)."""

    contract_ref: str
    provider: str
    value: Decimal
    awarded_at: datetime


@dataclass(frozen=True)
class ContractStart:
    """The commissioned service in place: its contract entered into (from procurement's
    ``ContractStarted``). It introduces the new service (stage 8; Durham, Section 3, roles
    table "Introduce new service") and carries the performance criteria that stage 9's
    monitoring arrangements take from the contract (Gateshead handbook, Activity Four)."""

    contract_id: uuid.UUID
    procurement_id: uuid.UUID
    provider: str
    value: Decimal
    starts_on: date
    ends_on: date
    reporting_frequency: str
    performance_criteria: tuple[str, ...]
    started_at: datetime


@dataclass(frozen=True)
class PerformanceReview:
    """A performance review or escalation of the commissioned service (from monitoring)."""

    summary: str
    rating: str
    escalated: bool
    reviewed_at: datetime


@dataclass(frozen=True)
class LocalView:
    """A Local Children's Board's local intelligence on a project for its locality (Durham,
    Section 3, "Local Children's Boards", responsibilities 1, 3 and 4)."""

    locality: str
    author: str
    text: str
    recorded_at: datetime


@dataclass(frozen=True)
class Project:
    project_id: uuid.UUID
    title: str
    level: Level
    localities: tuple[str, ...]
    target_groups: tuple[str, ...]
    outcomes: tuple[str, ...]
    lead_commissioner: str
    commissioning_officer: str
    priority_id: uuid.UUID | None
    stage: int = 1
    completed: bool = False
    version: int = 1
    evidence: Evidence = field(default_factory=Evidence)
    review_flags: tuple[ReviewFlag, ...] = ()
    procurement_requested: bool = False
    contract_awards: tuple[ContractAward, ...] = ()
    contract_starts: tuple[ContractStart, ...] = ()
    performance_reviews: tuple[PerformanceReview, ...] = ()
    scoping: dict[int, str] = field(default_factory=dict)
    """Answers to the Urbanham scoping questions, by question number."""
    local_views: tuple[LocalView, ...] = ()

    @property
    def status(self) -> Status:
        if self.completed:
            return Status.COMPLETED
        return Status.FLAGGED_FOR_REVIEW if self.review_flags else Status.ACTIVE

    @property
    def trust_wide(self) -> bool:
        return not self.localities

    def changed(self, **changes: object) -> Project:
        """The next version of the project with ``changes`` applied."""
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def require_open(self) -> None:
        if self.completed:
            raise StateConflict("status", "the project has completed its cycle")

    def advanced(self) -> Project:
        """The project after its current stage's gate was approved."""
        self.require_open()
        if self.stage >= LAST_STAGE:
            return self.changed(completed=True)
        return self.changed(stage=self.stage + 1)

    def cites_need(self, need_id: uuid.UUID) -> bool:
        analysis = self.evidence.needs_analysis
        return analysis is not None and need_id in analysis.cited_needs

    def concerns(self, locality: str | None, outcomes: frozenset[str]) -> bool:
        """A need in ``locality`` (None: trust-wide) on ``outcomes`` bears on this project."""
        if outcomes.isdisjoint(self.outcomes):
            return False
        return locality is None or self.trust_wide or locality in self.localities


def level_rule(level: Level, localities: tuple[str, ...]) -> str | None:
    """Individual and locality projects are for named localities (Durham, Section 3,
    "Levels of Commissioning"); a strategic project may be trust-wide."""
    if level is not Level.STRATEGIC and not localities:
        return f"a {level.value} project names at least one locality"
    return None
